import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../local-gateway/policy/schema.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { caseRequest, FIDELITY_POLICY, FIDELITY_PRICES, fidelityCases, prodDecision, type FidelityCase, type ProdDecision } from './helpers/fidelity.js';
import { writePolicy } from './helpers/policy.js';
import { readFileSync } from 'node:fs';
import { startCentral, type TestCentral } from './helpers/central.js';

/**
 * The prod preview's promise: the same 200 requests through a device that enforces dev and
 * shadows prod, through a local gateway that enforces prod, and through the reference central
 * gateway (prod enforced, the caller named by a PAT) give the same prod decision request for
 * request — including the counters: a request prod would have refused must not count against
 * prod's limits and budgets.
 */

let upstream: OpenAIStandin;
let device: TestGateway;
let prod: TestGateway;
let central: TestCentral;
let pat: string;
// One clock for both, mid-hour and mid-month, so no window rolls over during the run.
const now = Date.parse('2026-12-15T12:20:00Z');

beforeAll(async () => {
  upstream = await startOpenAIStandin({ record: false });
  const policy = writePolicy(FIDELITY_POLICY);
  const config = { ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini', 'gpt-4o'] }), policy, prices: FIDELITY_PRICES };
  device = await startGateway({ ...config, tiers: { active: 'dev', shadow: ['prod'] } }, {}, { policy: { clock: () => now } });
  prod = await startGateway({ ...config, tiers: { active: 'prod', shadow: [] } }, {}, { policy: { clock: () => now } });
  central = await startCentral({ org: 'acme', clock: () => now, config: { providers: config.providers, prices: FIDELITY_PRICES }, env: { UPSTREAM_KEY } });
  await central.publish(readFileSync(policy, 'utf8'));
  // The same caller as the device's: without a PAT the device names the OS user.
  pat = (await central.createPat(userInfo().username, null)).pat;
});
afterAll(async () => {
  await device?.close();
  await prod?.close();
  await central?.close();
  await upstream?.close();
});

/** Sends a case and reads its whole answer (a stream to its end); the trace id it was given. */
async function send(gw: { url: string }, c: FidelityCase, auth = TEST_TOKEN): Promise<{ status: number; trace: string }> {
  const req = caseRequest(c, auth);
  const res = await fetch(gw.url + req.path, { method: 'POST', headers: req.headers, body: req.body });
  await res.text();
  return { status: res.status, trace: res.headers.get('x-gatehouse-trace-id')! };
}

const verdictsOf = async (gw: TestGateway, id: string) => (await gw.api<{ verdicts: Verdict[] }>(`/api/traces/${id}`)).verdicts;
// The central's own traces sit behind its admin token.
const centralVerdictsOf = async (id: string) => (await central.adminJson<{ verdicts: Verdict[] }>(`/api/traces/${id}`)).verdicts;

describe('device shadow vs prod enforced', () => {
  it('gives the same prod decision for each of 200 varied requests', async () => {
    const cases = fidelityCases(200);
    const pairs: { c: FidelityCase; device: string; prod: string; central: string; deviceStatus: number; prodStatus: number; centralStatus: number }[] = [];
    for (const c of cases) {
      const d = await send(device, c);
      const p = await send(prod, c);
      const k = await send(central, c, pat);
      pairs.push({ c, device: d.trace, prod: p.trace, central: k.trace, deviceStatus: d.status, prodStatus: p.status, centralStatus: k.status });
    }
    const mismatches: { i: number; c: FidelityCase; shadow: ProdDecision; enforced: ProdDecision; central: ProdDecision }[] = [];
    const seen = new Map<string, number>();
    for (const [i, pair] of pairs.entries()) {
      const shadow = prodDecision(await verdictsOf(device, pair.device));
      const enforced = prodDecision(await verdictsOf(prod, pair.prod));
      const atCentral = prodDecision(await centralVerdictsOf(pair.central));
      const same = JSON.stringify(shadow) === JSON.stringify(enforced) && JSON.stringify(enforced) === JSON.stringify(atCentral) && pair.prodStatus === pair.centralStatus;
      if (!same) mismatches.push({ i, c: pair.c, shadow, enforced, central: atCentral });
      const key = enforced.blockedAt ?? (enforced.mutated.length > 0 ? 'mutate' : 'allow');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The run exercised every kind of prod decision, so agreement means something.
    for (const key of ['allow', 'mutate', 'metadata', 'model_access', 'budgets', 'rate_limits', 'input_guardrails', 'output_guardrails']) {
      expect(seen.get(key) ?? 0, `prod decisions: ${JSON.stringify(Object.fromEntries(seen))}`).toBeGreaterThan(0);
    }
    // The counters agree too, so the next request would be judged alike.
    const counter = (gw: Pick<TestGateway, 'app'>, rule: string) => gw.app.gateway.policy.states.get('prod')!.read(`rate_limit:${rule}`, `user=${userInfo().username}`, '1h', now).value;
    for (const rule of ['prod-ide', 'prod-tokens']) {
      expect(counter(device, rule), rule).toBe(counter(prod, rule));
      expect(counter(central, rule), rule).toBe(counter(prod, rule));
    }
    expect(counter(prod, 'prod-tokens')).toBeGreaterThan(0);
    // Dev enforced nothing: the device answered every request.
    expect(pairs.filter((p) => p.deviceStatus !== 200)).toEqual([]);
  }, 120_000);
});

describe('replay of the policy the traces were recorded under', () => {
  it('reproduces the recorded verdicts exactly, leaving out calls the live path never evaluated', async () => {
    const policy = writePolicy(FIDELITY_POLICY);
    const gw = await startGateway(
      { ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini', 'gpt-4o'] }), policy, prices: FIDELITY_PRICES, tiers: { active: 'dev', shadow: ['prod'] } },
      {},
      { policy: { clock: () => now } },
    );
    try {
      for (const c of fidelityCases(120, 7)) await send(gw, c);
      // Calls the pipeline never judges: a model list, and bodies refused before the policy ran.
      const auth = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
      for (let i = 0; i < 5; i++) {
        expect((await fetch(`${gw.url}/v1/models`, { headers: auth })).status).toBe(200);
        expect((await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: '{"model": "up/gpt-4o-mini", "messages": [' })).status).toBe(400);
      }
      const res = await fetch(`${gw.url}/api/policy/replay`, { method: 'POST', headers: auth, body: JSON.stringify({ policy: FIDELITY_POLICY, last: 1000, all: true }) });
      expect(res.status).toBe(200);
      const report = (await res.json()) as { traces: number; tiers: { tier: string; blocked_before: number; blocked_after: number }[]; rules: { rule: string; tier: string; before: number; after: number; newly: number; no_longer: number }[] };
      expect(report.traces).toBe(120);
      for (const t of report.tiers) expect(t.blocked_after, t.tier).toBe(t.blocked_before);
      expect(report.tiers.find((t) => t.tier === 'prod')!.blocked_before).toBeGreaterThan(0);
      expect(report.rules.filter((r) => r.newly + r.no_longer > 0 || r.before !== r.after)).toEqual([]);
      expect(report.rules.length).toBeGreaterThan(3);
    } finally {
      await gw.close();
    }
  });
});
