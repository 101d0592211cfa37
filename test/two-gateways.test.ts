import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';
import { startModerationStandin, type ModerationStandin } from './standins/openai-moderation.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

/**
 * Two gateways in one process (the tests, the desktop app, the central gateway beside a
 * device) each have their own remote-guardrail runtime: the keys their rules resolve, the
 * checks built from them and the pools they call through. Only the list of secrets to mask
 * is shared, on purpose: a secret known anywhere in the process is masked everywhere.
 */
const KEY_A = 'sk-moderation-gateway-a-0123456789abcdef';
const KEY_B = 'sk-moderation-gateway-b-0123456789abcdef';

let upstream: OpenAIStandin;
let modA: ModerationStandin;
let modB: ModerationStandin;
let a: TestGateway;
let b: TestGateway | null;

/** A strict moderation rule: a call that fails (a wrong key, a closed pool) refuses the request. */
const policy = (base: string) =>
  writePolicy(`
apiVersion: gatehouse/v1
org: acme
tiers:
  dev: { guardrails: [{ id: moderation, type: openai_moderation, hook: llm_input, action: validate, mode: strict, config: { base_url: "${base}", api_key: "env:MOD_KEY", timeout_ms: 2000 } }] }
`);

async function gateway(mod: ModerationStandin, key: string): Promise<TestGateway> {
  return startGateway({ ...upstreamConfig(upstream.url), policy: policy(mod.url), tiers: { active: 'dev', shadow: [] } }, { MOD_KEY: key });
}

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  modA = await startModerationStandin({ apiKey: KEY_A });
  modB = await startModerationStandin({ apiKey: KEY_B });
  a = await gateway(modA, KEY_A);
  // Started second: with one runtime per process it would be the one both gateways used.
  b = await gateway(modB, KEY_B);
});
afterAll(async () => {
  await a.close();
  await b?.close();
  await Promise.all([upstream.close(), modA.close(), modB.close()]);
});

describe('two gateways in one process', () => {
  it('each calls its own moderation service with its own key', async () => {
    const [ra, rb] = await Promise.all([chat(a, 'hello from a, two-gw-1'), chat(b!, 'hello from b, two-gw-2')]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(modA.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY_A}`]);
    expect(modB.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY_B}`]);
  });

  it('closing one leaves the other guarding', async () => {
    await b!.close();
    b = null;
    expect((await chat(a, 'still clean after b closed, two-gw-3')).status).toBe(200);
    const blocked = await chat(a, 'you are [[flag:harassment]] two-gw-4');
    expect(blocked.status).toBe(403);
    expect(modA.requests.length).toBe(3);
  });

  it("masks another gateway's secret in its traces too: the list of secrets is the process's", async () => {
    const r = await chat(a, `b's moderation key is ${KEY_B}, two-gw-5`);
    expect(r.status).toBe(200);
    const res = await fetch(`${a.url}/api/traces/${r.headers.get('x-gatehouse-trace-id')}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const raw = await res.text();
    expect(raw).not.toContain(KEY_B);
    expect(raw).toContain('[redacted]');
  });
});
