import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';

const EMAIL = '[a-z0-9._%+-]+@[a-z0-9.-]+\\\\.[a-z]{2,}';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    rate_limits:
      - { id: dev-burst, when: { metadata: { surface: burst } }, scope: [user], limit: { requests: 2, per: 1m } }
      - { id: dev-any, scope: [user], limit: { requests: 1000, per: 1m } }
    budgets:
      - { id: dev-spend, when: { metadata: { surface: spend } }, scope: [user], limit: { usd: 0.001, per: month } }
    guardrails:
      - { id: keys, type: deny_regex, hook: llm_input, action: mutate, mode: enforce, config: { patterns: ["sk-live-[a-z0-9]+"], label: key } }
  prod:
    metadata: { required: [ticket_id] }
    models: { allow: ["up/gpt-4o-mini", "gpt-4o-mini"] }
    rate_limits:
      - { id: prod-ide, when: { metadata: { surface: ide } }, scope: [user], limit: { requests: 2, per: 1m } }
      - { id: prod-tokens, when: { metadata: { surface: tok } }, scope: [user], limit: { tokens: 1000, per: hour } }
    budgets:
      - { id: prod-spend, when: { metadata: { surface: spend } }, scope: [user], limit: { usd: 0.001, per: month } }
    guardrails:
      - { id: pii, type: deny_regex, hook: llm_input, action: validate, mode: enforce, config: { patterns: ["${EMAIL}"], case_insensitive: true, label: email } }
      - { id: no-forbidden-out, type: deny_regex, hook: llm_output, action: validate, mode: enforce, config: { patterns: ["forbidden"] } }
`;

// Each request of the stand-in costs more than the whole $0.001 budget at this price.
const PRICES = { 'up/gpt-4o-mini': { input_per_mtok: 1000, output_per_mtok: 1000 } };

let upstream: OpenAIStandin;
let policyFile: string;
let now = Date.now();
const clock = () => now;
const user = userInfo().username;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  policyFile = writePolicy(POLICY);
});
afterAll(async () => {
  await upstream.close();
});

function gateway(active: string, shadow: string[], home?: string): Promise<TestGateway> {
  return startGateway({ ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }), policy: policyFile, tiers: { active, shadow }, prices: PRICES }, {}, { home, policy: { clock } });
}

const upstreamSaw = () => JSON.stringify(upstream.requests.at(-1)?.body);
const TICKET = { ticket_id: 'PAY-1' };

describe('dev enforced, prod in shadow', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('dev', ['prod'])));
  afterAll(() => gw.close());

  it('a request with PII and no metadata passes in dev, naming the prod rules it would break', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'mail ana@example.com the report' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0]!.message.content).toBe('echo: mail ana@example.com the report');
    expect(response.headers.get('x-gatehouse-tier')).toBe('dev');
    expect(response.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=metadata.ticket_id,pii');
    // The shadow tier changed nothing on the way up either.
    expect(upstreamSaw()).toContain('ana@example.com');
  });

  it('the same holds for an Anthropic client on /v1/messages', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const { data, response } = await anthropic.messages
      .create({ model: 'up/gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'mail ana@example.com the report' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'echo: mail ana@example.com the report' });
    expect(response.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=metadata.ticket_id,pii');
  });

  it('a shadow tier adds only x-gatehouse-shadow: same status, body and other headers', async () => {
    const clean = await chat(gw, 'hello', { metadata: TICKET });
    const flagged = await chat(gw, 'hello', { model: 'gpt-4o-mini' });
    expect(clean.headers.get('x-gatehouse-shadow')).toBeNull();
    expect(flagged.status).toBe(clean.status);
    expect(flagged.json.choices![0]!.message.content).toBe(clean.json.choices![0]!.message.content);
    const names = (h: Headers) => [...h.keys()].filter((k) => !['date', 'x-gatehouse-shadow'].includes(k)).sort();
    expect(names(flagged.headers)).toEqual(names(clean.headers));
    expect(flagged.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=metadata.ticket_id');
  });

  it('model access is shadowed: a model prod does not allow passes in dev', async () => {
    const r = await chat(gw, 'hi', { model: 'up/gpt-4o', metadata: TICKET });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=models.allow');
  });

  it('rate limits enforce in dev, first match wins, and the window rolls over', async () => {
    const burst = { surface: 'burst', ...TICKET };
    const catchAll = () => gw.app.gateway.policy.states.get('dev')!.read('rate_limit:dev-any', `user=${user}`, '1m').value;
    const catchAllBefore = catchAll();
    expect((await chat(gw, 'one', { metadata: burst })).status).toBe(200);
    expect((await chat(gw, 'two', { metadata: burst })).status).toBe(200);
    const before = upstream.requests.length;
    const third = await chat(gw, 'three', { metadata: burst });
    expect(third.status).toBe(429);
    expect(third.json.error).toMatchObject({ code: 'GH_ERR_RATE_LIMITED', type: 'rate_limit_error' });
    expect(third.json.error!.message).toContain('dev-burst');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(upstream.requests.length).toBe(before);
    // The catch-all rule below did not count the burst requests: only the first match does.
    expect(catchAll()).toBe(catchAllBefore);
    now += 60_000;
    expect((await chat(gw, 'four', { metadata: burst })).status).toBe(200);
  });

  it('rate limits are shadowed: prod would have limited the 3rd request, which still passes', async () => {
    const ide = { surface: 'ide', ...TICKET };
    expect((await chat(gw, 'a', { metadata: ide })).headers.get('x-gatehouse-shadow')).toBeNull();
    expect((await chat(gw, 'b', { metadata: ide })).headers.get('x-gatehouse-shadow')).toBeNull();
    const third = await chat(gw, 'c', { metadata: ide });
    expect(third.status).toBe(200);
    expect(third.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=prod-ide');
  });

  it('an enforced mutating guardrail redacts what goes upstream', async () => {
    const r = await chat(gw, 'deploy with sk-live-abc123 now', { metadata: TICKET });
    expect(r.status).toBe(200);
    expect(upstreamSaw()).not.toContain('sk-live-abc123');
    expect(upstreamSaw()).toContain('[redacted:key]');
    expect(r.json.choices![0]!.message.content).toBe('echo: deploy with [redacted:key] now');
    // The trace keeps the request as it went upstream: redacted.
    const trace = await gw.api<{ request_body: unknown }>(`/api/traces/${r.headers.get('x-gatehouse-trace-id')}`);
    expect(JSON.stringify(trace.request_body)).toContain('[redacted:key]');
    expect(JSON.stringify(trace.request_body)).not.toContain('sk-live-abc123');
  });

  it('an output guardrail is shadowed: the answer is delivered, the header names it', async () => {
    const r = await chat(gw, 'say forbidden', { metadata: TICKET });
    expect(r.status).toBe(200);
    expect(r.json.choices![0]!.message.content).toBe('echo: say forbidden');
    expect(r.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=no-forbidden-out');
  });
});

describe('budgets', () => {
  it('enforce in the active tier, shadow for prod, and survive a restart', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
    const spend = { surface: 'spend', ...TICKET };
    let gw = await gateway('dev', ['prod'], home);
    try {
      expect((await chat(gw, 'first', { metadata: spend })).status).toBe(200);
      const second = await chat(gw, 'second', { metadata: spend });
      expect(second.status).toBe(429);
      expect(second.json.error).toMatchObject({ code: 'GH_ERR_BUDGET_EXCEEDED' });
      expect(second.json.error!.message).toContain('dev-spend');
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(second.headers.get('x-gatehouse-shadow')).toBe('prod; would=block; rules=prod-spend');
      await gw.close();
      gw = await gateway('dev', ['prod'], home);
      expect((await chat(gw, 'after restart', { metadata: spend })).json.error?.code).toBe('GH_ERR_BUDGET_EXCEEDED');
    } finally {
      await gw.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('prod enforced', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('prod', [])));
  afterAll(() => gw.close());

  it('refuses missing metadata with 400 naming the key and how to send it', async () => {
    const before = upstream.requests.length;
    const r = await chat(gw, 'hello');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'GH_ERR_METADATA_REQUIRED', type: 'invalid_request_error' });
    expect(r.json.error!.message).toBe('prod requires metadata key ticket_id: send x-gatehouse-metadata: {"ticket_id":"…"} with the request.');
    expect(r.headers.get('x-gatehouse-tier')).toBe('prod');
    expect(upstream.requests.length).toBe(before);
  });

  it("refuses in the caller's API shape: Anthropic Messages and Responses too", async () => {
    const post = (path: string, body: unknown, auth: Record<string, string>) =>
      fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const messages = await post('/v1/messages', { model: 'up/gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': TEST_TOKEN, 'anthropic-version': '2023-06-01' });
    expect(messages.status).toBe(400);
    expect(await messages.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('ticket_id') } });
    const responses = await post('/v1/responses', { model: 'up/gpt-4o-mini', input: 'hi' }, { authorization: `Bearer ${TEST_TOKEN}` });
    expect(responses.status).toBe(400);
    expect(((await responses.json()) as { error: { code: string } }).error.code).toBe('GH_ERR_METADATA_REQUIRED');
  });

  it('refuses a model outside the allowlist with 403', async () => {
    const r = await chat(gw, 'hello', { model: 'up/gpt-4o', metadata: TICKET });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ code: 'GH_ERR_MODEL_NOT_ALLOWED' });
    expect(r.json.error!.message).toContain('up/gpt-4o-mini');
  });

  it('refuses PII in the prompt with 403 and never sends it upstream', async () => {
    const before = upstream.requests.length;
    const r = await chat(gw, 'mail ana@example.com', { metadata: TICKET });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ code: 'GH_ERR_GUARDRAIL_BLOCKED' });
    expect(r.json.error!.message).toContain('"pii"');
    expect(r.json.error!.message).not.toContain('ana@example.com');
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses an answer an output guardrail blocks', async () => {
    const r = await chat(gw, 'say forbidden', { metadata: TICKET });
    expect(r.status).toBe(403);
    expect(r.json.error!.message).toContain('no-forbidden-out');
  });

  it('ends a stream an enforced output guardrail blocks before the client sees what it found', async () => {
    const stream = await gw.client.chat.completions.create(
      { model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'say forbidden' }], stream: true },
      { headers: { 'x-gatehouse-metadata': JSON.stringify(TICKET) } },
    );
    let text = '';
    const read = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    };
    await expect(read()).rejects.toThrow(/no-forbidden-out/);
    expect(text).not.toContain('forbidden');
  });

  it('counts token limits from the real usage after the response', async () => {
    const tok = { surface: 'tok', ...TICKET };
    const state = gw.app.gateway.policy.states.get('prod')!;
    const read = () => state.read('rate_limit:prod-tokens', `user=${user}`, 'hour').value;
    const { json } = await chat(gw, 'count my tokens please', { metadata: tok });
    const usage = (json as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    expect(read()).toBe(usage.prompt_tokens + usage.completion_tokens);
    const r = await chat(gw, 'x'.repeat(4200), { metadata: tok });
    expect(r.status).toBe(429);
    expect(r.json.error!.message).toContain('prod-tokens');
    // A refused request gives its estimate back.
    expect(read()).toBe(usage.prompt_tokens + usage.completion_tokens);
  });
});
