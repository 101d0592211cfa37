import { describe, expect, it } from 'vitest';
import type { GatewaySnapshot } from './gateway-client.js';
import { trayModel, type TrayItem } from './tray-model.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const running = { kind: 'running', url: 'http://127.0.0.1:4141', pid: 42, owned: true } as const;

function snapshot(over: Partial<GatewaySnapshot> = {}, policy: Partial<GatewaySnapshot['policy']> = {}): GatewaySnapshot {
  return {
    policy: { org: 'acme', version: 12, expires: '2026-12-31T00:00:00Z', source: 'org', last_error: null, last_sync: { at: '2026-06-01T11:58:00Z', outcome: 'unchanged', version: 12, error: null }, ...policy },
    sync: { enrollment: { central_url: 'https://gh.acme.test', device_id: 'd1', org: 'acme', user: 'ada', team: null, enrolled_at: '2026-05-01T00:00:00Z', pat_source: 'keychain', signing_key_ids: ['k1'] }, last_sync: { at: '2026-06-01T11:58:00Z', outcome: 'unchanged', version: 12, error: null }, next_sync_at: null, interval_seconds: 300, policy: { source: 'org', version: 12 }, outbox: { depth: 0, dropped: 0, overflow: 'drop-oldest' } } as unknown as GatewaySnapshot['sync'],
    shadowTier: 'prod',
    wouldBlockLastHour: 3,
    traces: 10,
    providers: [],
    ...over,
  };
}

const labels = (items: TrayItem[]) => items.flatMap((i) => (i.type === 'separator' ? [] : [i.label]));
const action = (items: TrayItem[], a: string) => items.find((i) => i.type === 'action' && i.action === a) as Extract<TrayItem, { type: 'action' }> | undefined;

describe('tray model', () => {
  it('running: status first, the copies and the dashboard enabled, what prod would block, the policy and its sync', () => {
    const m = trayModel(running, snapshot(), NOW);
    expect(m.icon).toBe('running');
    expect(labels(m.items)).toEqual([
      'Gatehouse running on http://127.0.0.1:4141',
      'Copy endpoint (http://127.0.0.1:4141/v1)',
      'Copy local token',
      'Open dashboard',
      '3 requests in the last hour would be blocked in prod',
      'Policy: acme v12 (org); last sync 2026-06-01 11:58 UTC, unchanged',
      'Set up an agent',
      'Pause gateway',
      'Quit Gatehouse…',
    ]);
    expect(action(m.items, 'open-preview')?.enabled).toBe(true);
    expect(action(m.items, 'copy-token')?.enabled).toBe(true);
    const setup = m.items.find((i) => i.type === 'submenu');
    expect(setup?.type === 'submenu' && labels(setup.items)).toEqual(['Copy Claude Code settings', 'Copy Codex CLI settings', 'Copy Cursor settings', 'Copy Continue settings']);
  });

  it('says "1 request" for one, and leaves the line out when nothing is shadowed', () => {
    expect(labels(trayModel(running, snapshot({ wouldBlockLastHour: 1 }), NOW).items)).toContain('1 request in the last hour would be blocked in prod');
    expect(action(trayModel(running, snapshot({ shadowTier: null }), NOW).items, 'open-preview')).toBeUndefined();
  });

  it('a rejected org policy, a refused edit and an expired bundle turn the icon to the policy warning, with the reason', () => {
    const rejected = trayModel(running, snapshot({}, { last_sync: { at: '2026-06-01T11:58:00Z', outcome: 'rejected', version: 13, error: 'signature does not verify' } }), NOW);
    expect(rejected.icon).toBe('policy-warning');
    expect(labels(rejected.items)).toContain('Org policy v13 rejected: signature does not verify');
    const refused = trayModel(running, snapshot({}, { last_error: { file: 'policy.yaml', message: 'line 3: tiers.dev.models: expected object\nmore', problems: [{ line: 3, path: 'tiers.dev.models', message: 'expected object' }], at: 'x' } }), NOW);
    expect(refused.tooltip).toBe('Gatehouse: Policy change refused: line 3: tiers.dev.models: expected object');
    const expired = trayModel(running, snapshot({}, { expires: '2026-05-01T00:00:00Z' }), NOW);
    expect(expired.icon).toBe('policy-warning');
    expect(labels(expired.items)).toContain('Policy v12 expired on 2026-05-01: sync to get a newer one');
  });

  it('paused: the paused icon, copies disabled, Resume offered', () => {
    const m = trayModel({ kind: 'paused' }, null, NOW);
    expect(m.icon).toBe('paused');
    expect(action(m.items, 'copy-endpoint')?.enabled).toBe(false);
    expect(action(m.items, 'resume')?.enabled).toBe(true);
    expect(action(m.items, 'pause')).toBeUndefined();
  });

  it('restarting and failed show the error icon and say why', () => {
    const r = trayModel({ kind: 'restarting', attempt: 2, inMs: 2000, reason: 'The gateway exited with code 1' }, null, NOW);
    expect(r.icon).toBe('error');
    expect(r.items[0]).toEqual({ type: 'label', label: 'The gateway exited with code 1: restarting in 2 s (attempt 2)' });
    const f = trayModel({ kind: 'failed', reason: 'gave up' }, snapshot(), NOW);
    expect(f.icon).toBe('error');
    expect(action(f.items, 'resume')?.enabled).toBe(true);
    // A snapshot from before the failure is not shown as if it were live.
    expect(labels(f.items).some((l) => l.includes('would be blocked'))).toBe(false);
  });

  it('a gateway started outside the app is named so and cannot be paused from the tray', () => {
    const m = trayModel({ ...running, owned: false }, snapshot(), NOW);
    expect(m.items[0]).toEqual({ type: 'label', label: 'Gatehouse running on http://127.0.0.1:4141 (started outside the app, pid 42)' });
    expect(action(m.items, 'pause')?.enabled).toBe(false);
  });

  it('an unenrolled device with a local policy file', () => {
    const m = trayModel(running, snapshot({ sync: { ...snapshot().sync, enrollment: null, last_sync: null } }, { source: 'file', org: 'acme', version: 3, last_sync: null }), NOW);
    expect(labels(m.items)).toContain('Policy: acme v3 (file); not enrolled');
  });

  it('with a login item, a Start at login checkbox before Quit, checked as the OS holds it', () => {
    const on = trayModel(running, snapshot(), NOW, { openAtLogin: true });
    expect(on.items.slice(-2)).toEqual([
      { type: 'checkbox', label: 'Start at login', action: 'toggle-login', checked: true },
      { type: 'action', label: 'Quit Gatehouse…', action: 'quit', enabled: true },
    ]);
    expect(trayModel({ kind: 'paused' }, null, NOW, { openAtLogin: false }).items.at(-2)).toEqual({ type: 'checkbox', label: 'Start at login', action: 'toggle-login', checked: false });
  });
});
