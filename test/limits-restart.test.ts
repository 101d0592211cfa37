import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { windowOf } from '../local-gateway/policy/engine/index.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';

// Windows are aligned to the hour (UTC): the gateway's clock (trace times and policy windows
// alike) is injected, and starts half past an hour, so no test straddles the top of one.
const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    rate_limits:
      - { id: dev-burst, when: { metadata: { surface: burst } }, scope: [user], limit: { requests: 3, per: 1h } }
      - { id: dev-tokens, when: { metadata: { surface: tok } }, scope: [user], limit: { tokens: 100000, per: 1h } }
      - { id: dev-any, scope: [user], limit: { requests: 1000, per: 1h } }
  prod:
    rate_limits:
      - { id: prod-ide, when: { metadata: { surface: ide } }, scope: [user], limit: { requests: 3, per: 1h } }
`;

const user = userInfo().username;
const HOUR = 3_600_000;
let upstream: OpenAIStandin;
let policyFile: string;
let home: string;
let gw: TestGateway | undefined;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  policyFile = writePolicy(POLICY);
});
afterAll(() => upstream.close());
/** Half past the current hour, moving on as real time does: a test has 30 minutes before the next window. */
const realStart = Date.now();
const start = realStart - (realStart % HOUR) + HOUR / 2;
const now = () => start + (Date.now() - realStart);
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  rmSync(home, { recursive: true, force: true });
});

/** (Re)starts the gateway on `home`; `ahead` moves the policy clock (window rollover) without waiting. */
async function restart(ahead = 0): Promise<TestGateway> {
  await gw?.close();
  const clock = () => now() + ahead;
  gw = await startGateway({ ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }), policy: policyFile, tiers: { active: 'dev', shadow: ['prod'] } }, {}, { home, clock });
  return gw;
}

/** Every counter of a tier for this user in the current hour, by rule. */
function counters(g: TestGateway, tier: string, rules: string[]): Record<string, number> {
  const state = g.app.gateway.policy.states.get(tier);
  return Object.fromEntries(rules.map((r) => [r, state?.read(`rate_limit:${r}`, `user=${user}`, '1h').value ?? 0]));
}

const DEV_RULES = ['dev-burst', 'dev-tokens', 'dev-any'];

describe('rate-limit windows survive a restart', () => {
  it('an enforced limit still refuses after a restart, with retry-after counting from the original window', async () => {
    home = mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
    let g = await restart();
    const burst = { surface: 'burst' };
    const windowEnd = windowOf('1h', now()).end;
    for (const m of ['one', 'two', 'three']) expect((await chat(g, m, { metadata: burst })).status).toBe(200);
    const refused = await chat(g, 'four', { metadata: burst });
    expect(refused.status).toBe(429);
    expect(refused.json.error?.code).toBe('GH_ERR_RATE_LIMITED');
    // Token limits count real usage, count_tokens counts nothing: the restored counters must match exactly.
    expect((await chat(g, 'some tokens please', { metadata: { surface: 'tok' } })).status).toBe(200);
    const anthropic = new Anthropic({ apiKey: TEST_TOKEN, baseURL: g.url, maxRetries: 0 });
    await anthropic.messages.countTokens({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'how many?' }] });
    await chat(g, 'unclaimed', { metadata: { surface: 'other' } });
    const live = counters(g, 'dev', DEV_RULES);
    expect(live).toMatchObject({ 'dev-burst': 3, 'dev-any': 1 });
    expect(live['dev-tokens']).toBeGreaterThan(0);

    g = await restart();
    expect(counters(g, 'dev', DEV_RULES)).toEqual(live);
    const before = now();
    const after = await chat(g, 'five', { metadata: burst });
    const end = now();
    expect(after.status).toBe(429);
    expect(after.json.error?.message).toContain('dev-burst');
    const retry = Number(after.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(Math.ceil((windowEnd - end) / 1000));
    expect(retry).toBeLessThanOrEqual(Math.ceil((windowEnd - before) / 1000));
  });

  it('a shadow tier remembers what it counted: x-gatehouse-shadow still says would=block', async () => {
    home = mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
    let g = await restart();
    const ide = { surface: 'ide' };
    for (const m of ['a', 'b', 'c']) expect((await chat(g, m, { metadata: ide })).headers.get('x-gatehouse-shadow')).toBeNull();
    const fourth = await chat(g, 'd', { metadata: ide });
    expect(fourth.status).toBe(200);
    expect(fourth.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=prod-ide');

    g = await restart();
    // The 4th request was one prod would have refused: it is not counted there.
    expect(counters(g, 'prod', ['prod-ide'])).toEqual({ 'prod-ide': 3 });
    const fifth = await chat(g, 'e', { metadata: ide });
    expect(fifth.status).toBe(200);
    expect(fifth.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=prod-ide');
  });

  it('a window that rolled over while the gateway was down starts empty', async () => {
    home = mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
    let g = await restart();
    const burst = { surface: 'burst' };
    for (const m of ['one', 'two', 'three']) expect((await chat(g, m, { metadata: burst })).status).toBe(200);
    expect((await chat(g, 'four', { metadata: burst })).status).toBe(429);

    g = await restart(HOUR);
    // Nothing from the closed window was even read into a counter.
    expect(g.app.gateway.policy.states.get('dev')?.size ?? 0).toBe(0);
    expect(counters(g, 'dev', DEV_RULES)).toEqual({ 'dev-burst': 0, 'dev-tokens': 0, 'dev-any': 0 });
    expect((await chat(g, 'next hour', { metadata: burst })).status).toBe(200);
  });
});
