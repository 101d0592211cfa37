import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SyncCycleResult, SyncStatus } from '../local-gateway/admin/schemas.js';
import type { PolicyView } from '../local-gateway/policy/view.js';
import { generateSigningKey, signBytes } from '../sync/signing.js';
import type { SyncTimers } from '../sync/device/index.js';
import { flipOneByte } from './helpers/bundles.js';
import { startCentralStandin, type CentralStandin } from './helpers/central-standin.js';
import { runCliAsync } from './helpers/cli.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { startTamperProxy, type TamperProxy } from './helpers/tamper-proxy.js';

/** Timers the test fires by hand: the poller's interval is asserted, never waited for. */
function manualTimers() {
  const pending: { fn: () => void; ms: number }[] = [];
  const timers: SyncTimers = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms };
      pending.push(t);
      return t;
    },
    clearTimeout: (h) => void pending.splice(pending.indexOf(h as (typeof pending)[number]), 1),
  };
  return { timers, pending, fire: () => pending.shift()!.fn() };
}

let central: CentralStandin;
let proxy: TamperProxy;
let home: string;
let gw: TestGateway;
let now = Date.parse('2030-01-01T00:00:00Z');
const clock = () => now;
const manual = manualTimers();

const start = () => startGateway({}, { GATEHOUSE_PAT: central.pat }, { home, sync: { timers: manual.timers, clock } });
const post = async <T>(path: string): Promise<T> => (await (await fetch(gw.url + path, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as T;
const syncNow = () => post<SyncCycleResult>('/api/sync');
const policy = () => gw.api<PolicyView>('/api/policy');
const device = () => [...central.devices.values()][0]!;

beforeAll(async () => {
  central = await startCentralStandin();
  proxy = await startTamperProxy(central.url);
  home = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-'));
  gw = await start();
});

afterAll(async () => {
  await gw.close();
  await proxy.close();
  await central.close();
  rmSync(home, { recursive: true, force: true });
});

afterEach(() => proxy.tamper(null));

describe('device side of fleet sync', () => {
  it('enrolls from the CLI with GATEHOUSE_PAT, and the next cycle applies the signed org policy and ACKs it', async () => {
    const before = await policy();
    expect([before.source, before.last_sync]).toEqual(['builtin', null]);
    const v1 = central.publish({ version: 1 });
    const r = await runCliAsync(['enroll', '--central', proxy.url, '--home', home, '--json'], { GATEHOUSE_PAT: central.pat });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { org: string; device_id: string; pat_source: string; signing_key_ids: string[] };
    expect(out).toMatchObject({ org: 'acme', pat_source: 'env', signing_key_ids: [central.key.keyId] });
    expect(readFileSync(join(home, 'enrollment.json'), 'utf8')).not.toContain(central.pat);

    const cycle = await syncNow();
    expect(cycle.policy).toEqual({ outcome: 'applied', version: 1, error: null });
    const view = await policy();
    expect(view).toMatchObject({ source: 'org', org: 'acme', version: 1, last_error: null, last_sync: { outcome: 'applied', version: 1, error: null } });
    expect(device()).toMatchObject({ device_id: out.device_id, applied_version: 1, state: 'SYNCED' });
    expect(JSON.parse(readFileSync(join(home, 'org-policy.json'), 'utf8'))).toMatchObject({ bundle: v1.bundle, signature: v1.signature });

    const status = (await gw.api<{ sync: SyncStatus }>('/api/status')).sync;
    expect(status).toMatchObject({ enrollment: { device_id: out.device_id, org: 'acme', user: 'ada', central_url: proxy.url }, policy: { source: 'org', version: 1 }, outbox: { depth: 0 } });
    // The ETag is remembered: nothing new is a 304, and still an ACK (the fleet view's heartbeat).
    expect((await syncNow()).policy).toEqual({ outcome: 'unchanged', version: 1, error: null });
  });

  const attacks: [string, (b: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
    ['one byte changed', (b) => ({ ...b, bundle: flipOneByte(b.bundle as string) }), /signature does not verify with pinned key/],
    ['signed by another key', (b) => {
      const k = generateSigningKey();
      return { ...b, signature: signBytes(k, b.bundle as string), key_id: k.keyId };
    }, /neither pinned nor endorsed/],
    ['signature stripped', ({ signature: _s, ...b }) => b, /not a signed bundle \(signature/],
  ];

  it.each(attacks)('refuses a bundle with %s, NACKs it with the reason and keeps the last good one', async (_name, fn, reason) => {
    central.publish({ version: 2 });
    proxy.tamper(fn);
    const cycle = await syncNow();
    expect(cycle.policy.outcome).toBe('rejected');
    expect(cycle.policy.error).toMatch(reason);
    expect(cycle.policy.error).toContain('the last good policy (v1) stays in force');
    const view = await policy();
    expect(view).toMatchObject({ source: 'org', version: 1, last_error: { message: cycle.policy.error } });
    expect(device()).toMatchObject({ state: 'REJECTED', applied_version: 1, rejected_version: 2 });
    expect(device().last_error).toMatch(reason);
  });

  it('applies the genuine v2, then refuses an older validly signed bundle replayed', async () => {
    const v1 = central.publish({ version: 1 });
    const v2 = central.publish({ version: 2 });
    expect((await syncNow()).policy).toEqual({ outcome: 'applied', version: 2, error: null });
    expect(device().state).toBe('SYNCED');
    proxy.tamper(() => ({ ...v1 }));
    const cycle = await syncNow();
    expect(cycle.policy).toMatchObject({ outcome: 'rejected', version: 1 });
    expect(cycle.policy.error).toContain('version 1 is not above v2');
    expect((await policy()).version).toBe(2);
    expect(device()).toMatchObject({ state: 'REJECTED', rejected_version: 1 });
    // The same version with other bytes is refused too.
    proxy.tamper(() => ({ ...v2, bundle: `${v2.bundle}# changed\n`, signature: signBytes(central.key, `${v2.bundle}# changed\n`) }));
    expect((await syncNow()).policy.error).toContain('version 2 is not above v2');
  });

  it('refuses an expired bundle (a freeze: the device clock has moved past its expiry)', async () => {
    central.publish({ version: 3, expires: '2030-02-01T00:00:00Z' });
    expect((await syncNow()).policy).toMatchObject({ outcome: 'applied', version: 3 });
    now = Date.parse('2030-03-01T00:00:00Z');
    proxy.tamper((b) => b);
    const cycle = await syncNow();
    expect(cycle.policy).toMatchObject({ outcome: 'unchanged', version: 3 });
    central.publish({ version: 4, expires: '2030-02-15T00:00:00Z' });
    const refused = await syncNow();
    expect(refused.policy).toMatchObject({ outcome: 'rejected', version: 4 });
    expect(refused.policy.error).toContain('it expired at 2030-02-15T00:00:00Z');
    expect(device()).toMatchObject({ state: 'REJECTED', rejected_version: 4 });
    central.publish({ version: 5 });
    expect((await syncNow()).policy).toMatchObject({ outcome: 'applied', version: 5 });
  });

  it('refuses a bundle edited on the device disk at restart, NACKs it, and never runs it', async () => {
    await gw.close();
    const file = join(home, 'org-policy.json');
    const cache = JSON.parse(readFileSync(file, 'utf8')) as { bundle: string };
    writeFileSync(file, JSON.stringify({ ...cache, bundle: cache.bundle.replace('"*"', '"openai/*"') }));
    const reportsBefore = proxy.reports.length;
    // The central gateway fails at this start: the refusal must stand on its own.
    proxy.tamper(() => 503);
    gw = await start();
    await waitFor(() => proxy.reports.length > reportsBefore, 'the NACK of the cached bundle');
    await waitFor(async () => (await policy()).last_sync !== null, 'the first cycle to end');
    const view = await policy();
    expect(view.source).toBe('builtin');
    expect(view.last_error?.message).toMatch(/cached org bundle v5: its signature does not verify.*built-in permissive tier is in force/);
    expect(view.last_sync).toMatchObject({ outcome: 'error' });
    // The next cycle pulls the genuine bundle again.
    proxy.tamper(null);
    expect((await syncNow()).policy).toMatchObject({ outcome: 'applied', version: 5 });
    const sent = proxy.reports.slice(reportsBefore);
    expect(sent[0]).toMatchObject({ rejected_version: 5 });
    expect(String(sent[0]!.error)).toContain('changed on disk');
    expect(await policy()).toMatchObject({ source: 'org', version: 5 });
  });

  it('picks up a new policy within one jittered interval, set by the bundle', async () => {
    central.publish({ version: 6, intervalSeconds: 30 });
    await syncNow();
    await gw.close();
    manual.pending.splice(0);
    gw = await start();
    await waitForTimer();
    // The interval in force: the poller's next timer lies within ±10% of it.
    const scheduled = manual.pending[0]!.ms;
    expect(scheduled).toBeGreaterThanOrEqual(27_000);
    expect(scheduled).toBeLessThanOrEqual(33_000);
    central.publish({ version: 7, intervalSeconds: 30 });
    manual.fire();
    await waitForTimer();
    expect((await policy()).version).toBe(7);
  });

  it('joins a concurrent sync to the running one', async () => {
    const before = central.policyRequests;
    const [a, b] = await Promise.all([syncNow(), syncNow()]);
    expect(a).toEqual(b);
    expect(central.policyRequests - before).toBe(1);
  });

  it('unenrolls from the CLI: the enrollment, the org cache and the org policy go, the highest version stays', async () => {
    const r = await runCliAsync(['unenroll', '--home', home, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ unenrolled: true, org: 'acme' });
    await syncNow();
    expect(await policy()).toMatchObject({ source: 'builtin', version: null });
    expect(JSON.parse(readFileSync(join(home, 'policy-state.json'), 'utf8'))).toEqual({ highest: { acme: 7 } });
    expect((await gw.api<{ sync: SyncStatus }>('/api/status')).sync.enrollment).toBeNull();
  });
});

/** Waits until the poller has scheduled its next timer (the cycle before it finished). */
const waitForTimer = () => waitFor(() => manual.pending.length > 0, 'the next poll to be scheduled');
