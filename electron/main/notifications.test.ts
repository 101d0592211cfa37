import { describe, expect, it } from 'vitest';
import { createNotifier, type Notice } from './notifications.js';

const trace = (over: { error_code?: string | null; fired?: { tier: string; rule: string; decision: string; enforced: boolean }[] } = {}) =>
  ({ error_code: over.error_code ?? null, requested_model: 'openai/gpt-4o-mini', fired: (over.fired ?? []).map((f) => ({ stage: 'guardrail', mode: 'enforce', ...f })) }) as never;
const prodBlock = { tier: 'prod', rule: 'pii', decision: 'block', enforced: false };

function setup(debounceMs = 1000) {
  let t = 0;
  const shown: Notice[] = [];
  const n = createNotifier({ show: (x) => shown.push(x), now: () => t, debounceMs, streak: 3 });
  return { n, shown, advance: (ms: number) => (t += ms) };
}

describe('notifications', () => {
  it('a rate-limit or budget refusal notifies once per debounce window', () => {
    const { n, shown, advance } = setup();
    n.trace(trace({ error_code: 'GH_ERR_RATE_LIMITED' }));
    n.trace(trace({ error_code: 'GH_ERR_BUDGET_EXCEEDED' }));
    expect(shown.map((s) => s.title)).toEqual(['A rate limit refused a request']);
    advance(1000);
    n.trace(trace({ error_code: 'GH_ERR_BUDGET_EXCEEDED' }));
    expect(shown.map((s) => s.title)).toEqual(['A rate limit refused a request', 'A budget refused a request']);
    n.trace(trace({ error_code: 'GH_ERR_UPSTREAM' }));
    expect(shown).toHaveLength(2);
  });

  it('a streak of requests prod would block notifies at the streak length; a clean request breaks it', () => {
    const { n, shown, advance } = setup();
    n.trace(trace({ fired: [prodBlock] }));
    n.trace(trace({ fired: [prodBlock] }));
    n.trace(trace());
    n.trace(trace({ fired: [prodBlock] }));
    n.trace(trace({ fired: [prodBlock] }));
    expect(shown).toHaveLength(0);
    n.trace(trace({ fired: [prodBlock] }));
    expect(shown).toEqual([{ kind: 'prod-streak', title: '3 requests in a row would be blocked in prod', body: 'Rule pii fires: open the prod preview before this ships.' }]);
    // An enforced block (the active tier) is no shadow finding.
    advance(5000);
    for (let i = 0; i < 5; i++) n.trace(trace({ fired: [{ ...prodBlock, tier: 'dev', enforced: true }] }));
    expect(shown).toHaveLength(1);
  });

  it('a new org policy notifies; the one in force at start and a repeat do not', () => {
    const { n, shown } = setup(0);
    n.policy({ source: 'org', version: 12, org: 'acme' });
    n.policy({ source: 'org', version: 12, org: 'acme' });
    expect(shown).toHaveLength(0);
    n.policy({ source: 'org', version: 13, org: 'acme' });
    expect(shown.map((s) => s.title)).toEqual(['New org policy: acme v13']);
  });

  it('a first org policy after enrolling notifies', () => {
    const { n, shown } = setup(0);
    n.policy({ source: 'builtin', version: null, org: null });
    n.policy({ source: 'org', version: 1, org: 'acme' });
    expect(shown.map((s) => s.title)).toEqual(['New org policy: acme v1']);
  });

  it('a kind switched off stays quiet, the others go on', () => {
    const { n, shown } = setup();
    n.setEnabled('limit', false);
    n.trace(trace({ error_code: 'GH_ERR_RATE_LIMITED' }));
    for (let i = 0; i < 3; i++) n.trace(trace({ fired: [prodBlock] }));
    expect(shown.map((s) => s.kind)).toEqual(['prod-streak']);
    expect(n.settings()).toEqual({ limit: false, 'prod-streak': true, policy: true, gateway: true });
  });

  it('a crash the app restarts from notifies once per window; giving up always does, unless switched off', () => {
    const { n, shown } = setup();
    n.gateway({ kind: 'running', url: 'http://127.0.0.1:4141', pid: 1, owned: true });
    n.gateway({ kind: 'restarting', attempt: 1, inMs: 1000, reason: 'The gateway was killed by SIGKILL' });
    n.gateway({ kind: 'restarting', attempt: 2, inMs: 2000, reason: 'The gateway exited with code 1' });
    n.gateway({ kind: 'failed', reason: 'The gateway exited with code 1, 9 times in a row: see /h/gateway.log, then choose Resume.' });
    expect(shown).toEqual([
      { kind: 'gateway', title: 'The gateway stopped unexpectedly', body: 'The gateway was killed by SIGKILL; Gatehouse restarts it in 1 s (attempt 1).' },
      { kind: 'gateway', title: 'The gateway is down', body: 'The gateway exited with code 1, 9 times in a row: see /h/gateway.log, then choose Resume. Your agents get no answer until then.' },
    ]);
    n.setEnabled('gateway', false);
    n.gateway({ kind: 'failed', reason: 'x' });
    expect(shown).toHaveLength(2);
  });
});
