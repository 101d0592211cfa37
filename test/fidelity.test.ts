import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../local-gateway/policy/schema.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { caseRequest, FIDELITY_POLICY, FIDELITY_PRICES, fidelityCases, prodDecision, type FidelityCase, type ProdDecision } from './helpers/fidelity.js';
import { writePolicy } from './helpers/policy.js';

/**
 * The prod preview's promise, on one machine: the same 200 requests through a device that
 * enforces dev and shadows prod, and through a gateway that enforces prod (what the central
 * gateway runs), give the same prod decision request for request — including the counters:
 * a request prod would have refused must not count against prod's limits and budgets.
 */

let upstream: OpenAIStandin;
let device: TestGateway;
let prod: TestGateway;
// One clock for both, mid-hour and mid-month, so no window rolls over during the run.
const now = Date.parse('2026-12-15T12:20:00Z');

beforeAll(async () => {
  upstream = await startOpenAIStandin({ record: false });
  const policy = writePolicy(FIDELITY_POLICY);
  const config = { ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini', 'gpt-4o'] }), policy, prices: FIDELITY_PRICES };
  device = await startGateway({ ...config, tiers: { active: 'dev', shadow: ['prod'] } }, {}, { policy: { clock: () => now } });
  prod = await startGateway({ ...config, tiers: { active: 'prod', shadow: [] } }, {}, { policy: { clock: () => now } });
});
afterAll(async () => {
  await device?.close();
  await prod?.close();
  await upstream?.close();
});

/** Sends a case and reads its whole answer (a stream to its end); the trace id it was given. */
async function send(gw: TestGateway, c: FidelityCase): Promise<{ status: number; trace: string }> {
  const req = caseRequest(c, TEST_TOKEN);
  const res = await fetch(gw.url + req.path, { method: 'POST', headers: req.headers, body: req.body });
  await res.text();
  return { status: res.status, trace: res.headers.get('x-gatehouse-trace-id')! };
}

const verdictsOf = async (gw: TestGateway, id: string) => (await gw.api<{ verdicts: Verdict[] }>(`/api/traces/${id}`)).verdicts;

describe('device shadow vs prod enforced', () => {
  it('gives the same prod decision for each of 200 varied requests', async () => {
    const cases = fidelityCases(200);
    const pairs: { c: FidelityCase; device: string; prod: string; deviceStatus: number }[] = [];
    for (const c of cases) {
      const d = await send(device, c);
      const p = await send(prod, c);
      pairs.push({ c, device: d.trace, prod: p.trace, deviceStatus: d.status });
    }
    const mismatches: { i: number; c: FidelityCase; shadow: ProdDecision; enforced: ProdDecision }[] = [];
    const seen = new Map<string, number>();
    for (const [i, pair] of pairs.entries()) {
      const shadow = prodDecision(await verdictsOf(device, pair.device));
      const enforced = prodDecision(await verdictsOf(prod, pair.prod));
      if (JSON.stringify(shadow) !== JSON.stringify(enforced)) mismatches.push({ i, c: pair.c, shadow, enforced });
      const key = enforced.blockedAt ?? (enforced.mutated.length > 0 ? 'mutate' : 'allow');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The run exercised every kind of prod decision, so agreement means something.
    for (const key of ['allow', 'mutate', 'metadata', 'model_access', 'budgets', 'rate_limits', 'input_guardrails', 'output_guardrails']) {
      expect(seen.get(key) ?? 0, `prod decisions: ${JSON.stringify(Object.fromEntries(seen))}`).toBeGreaterThan(0);
    }
    // The counters agree too, so the next request would be judged alike.
    const counter = (gw: TestGateway, rule: string) => gw.app.gateway.policy.states.get('prod')!.read(`rate_limit:${rule}`, `user=${userInfo().username}`, '1h', now).value;
    for (const rule of ['prod-ide', 'prod-tokens']) expect(counter(device, rule), rule).toBe(counter(prod, rule));
    expect(counter(prod, 'prod-tokens')).toBeGreaterThan(0);
    // Dev enforced nothing: the device answered every request.
    expect(pairs.filter((p) => p.deviceStatus !== 200)).toEqual([]);
  });
});
