/**
 * Properties every answer holds, over random and mutated input (`helpers/fuzz.ts`): every client
 * API, the admin API, the policy and config loaders, and providers that answer truncated,
 * malformed and hostile bodies. A caller's mistake is a 4xx in its API's shape (never a 5xx,
 * never a crash); a stream ends cleanly; every answered client request has a readable trace;
 * no secret appears in any error answer, admin answer or file under the home, in any encoding.
 * Seeded and bounded here; `npm run fuzz` runs a longer one and prints how many inputs ran.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { ConfigError } from '../local-gateway/core/config-error.js';
import { checkYamlWith } from '../local-gateway/config/load.js';
import { checkPolicyText } from '../local-gateway/policy/validate.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { anyJson, filesLeaking, FUZZ_RUNS, FUZZ_SEED, hostileAnswer, leaks, mangle, mangling, mutateAt, secretSpelling, startHostileProvider, type HostileProvider, type Mangling } from './helpers/fuzz.js';
import { sseEvents } from './helpers/sse.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const SECRETS = [TEST_TOKEN, UPSTREAM_KEY];
let openai: OpenAIStandin;
let anthropic: AnthropicStandin;
let hostile: HostileProvider;
let gw: TestGateway;
let inputs = 0;
const started = Date.now();

beforeAll(async () => {
  [openai, anthropic, hostile] = await Promise.all([startOpenAIStandin({ apiKey: UPSTREAM_KEY }), startAnthropicStandin({ apiKey: UPSTREAM_KEY }), startHostileProvider()]);
  const key = 'env:UPSTREAM_KEY';
  gw = await startGateway({
    providers: [
      { id: 'oai', kind: 'openai', base_url: openai.url, api_key: key },
      { id: 'claude', kind: 'anthropic', base_url: anthropic.url, api_key: key },
      { id: 'evil', kind: 'openai', base_url: `${hostile.origin}/v1`, api_key: key },
      { id: 'evilc', kind: 'anthropic', base_url: hostile.origin, api_key: key },
    ],
  });
});
afterAll(async () => {
  console.log(`fuzz: ${inputs} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs a property)`);
  await gw?.close();
  await Promise.all([openai?.close(), anthropic?.close(), hostile?.close()]);
});

const params = (runs = FUZZ_RUNS) => ({ seed: FUZZ_SEED, numRuns: runs, endOnFailure: true });

type Shape = 'openai' | 'anthropic';
const CLIENT_APIS: { path: string; shape: Shape; base: (model: string) => Record<string, unknown> }[] = [
  { path: '/v1/chat/completions', shape: 'openai', base: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }, { role: 'user', content: [{ type: 'text', text: 'go' }] }], stream: false, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] }) },
  { path: '/v1/messages', shape: 'anthropic', base: (model) => ({ model, max_tokens: 16, system: 'be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false }) },
  { path: '/v1/responses', shape: 'openai', base: (model) => ({ model, input: [{ role: 'user', content: 'hi' }], instructions: 'short', stream: false }) },
  { path: '/v1/embeddings', shape: 'openai', base: (model) => ({ model, input: ['a', 'b'] }) },
  { path: '/v1/messages/count_tokens', shape: 'anthropic', base: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }) },
];
const MODELS = ['oai/gpt-4o-mini', 'claude/claude-sonnet-4-5', 'oai/slow-stream', 'nobody/x', 'demo/echo'];

interface Answer {
  status: number;
  type: string;
  trace: string | null;
  text: string;
}

async function send(method: string, path: string, body: Buffer | string | undefined, shape: Shape = 'openai', headers: Record<string, string> = {}): Promise<Answer> {
  inputs++;
  const res = await fetch(gw.url + path, {
    method,
    body,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(shape === 'anthropic' ? { 'anthropic-version': '2023-06-01' } : {}), ...headers },
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', trace: res.headers.get('x-gatehouse-trace-id'), text: await res.text() };
}

/** A refusal in the API's error shape, naming a Gatehouse code or the provider's type. */
function expectErrorShape(shape: Shape, a: Answer, what: string): void {
  const body = JSON.parse(a.text) as Record<string, unknown>;
  if (shape === 'anthropic') expect(body, what).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
  else expect(body, what).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
}

/** A stream the client got: every event's data is JSON (or `[DONE]`). */
function expectCleanStream(a: Answer, what: string): void {
  for (const ev of sseEvents(a.text)) if (ev.data !== '[DONE]') expect(() => JSON.parse(ev.data) as unknown, `${what}: ${ev.data}`).not.toThrow();
}

async function expectTrace(a: Answer, what: string): Promise<{ status: number; error_code: string | null }> {
  expect(a.trace, `${what}: no trace id`).toBeTruthy();
  const res = await fetch(`${gw.url}/api/traces/${a.trace}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const text = await res.text();
  expect(res.status, `${what}: trace ${a.trace} → ${text.slice(0, 300)}`).toBe(200);
  expect(leaks(text, SECRETS), `${what}: the trace holds a secret`).toEqual([]);
  return JSON.parse(text) as { status: number; error_code: string | null };
}

/**
 * The invariants of one client API answer. With well-behaved providers every answer is below
 * 500; a bad provider (`upstreamFault`) may earn an upstream 5xx, never GH_ERR_INTERNAL.
 */
async function checkClientAnswer(shape: Shape, a: Answer, what: string, upstreamFault: boolean): Promise<void> {
  if (!upstreamFault) expect(a.status, `${what}: ${a.text.slice(0, 300)}`).toBeLessThan(500);
  if (a.status >= 400) {
    expectErrorShape(shape, a, what);
    expect(leaks(a.text, SECRETS), `${what}: the error holds a secret`).toEqual([]);
  } else if (a.type.includes('text/event-stream')) expectCleanStream(a, what);
  const trace = await expectTrace(a, what);
  expect(trace.error_code, `${what}: ${a.text.slice(0, 300)}`).not.toBe('GH_ERR_INTERNAL');
}

const clientInput = fc.record({
  api: fc.nat({ max: CLIENT_APIS.length - 1 }),
  model: fc.constantFrom(...MODELS),
  stream: fc.boolean(),
  pick: fc.nat({ max: 60 }),
  value: fc.oneof(anyJson, secretSpelling(TEST_TOKEN), secretSpelling(UPSTREAM_KEY), fc.string({ unit: 'binary', maxLength: 40 })),
  mutate: fc.boolean(),
  how: mangling,
  depth: fc.constantFrom(10, 255, 300, 20_000),
});

describe('client APIs', () => {
  it('a random or mutated body is a 4xx in the API shape or an answer, never a 5xx, always traced', async () => {
    await fc.assert(
      fc.asyncProperty(clientInput, async (i) => {
        const api = CLIENT_APIS[i.api]!;
        const base = { ...api.base(i.model), ...('stream' in api.base('') ? { stream: i.stream } : {}) };
        const value = i.mutate ? mutateAt(base, i.pick, i.value) : { ...base, note: i.value };
        const a = await send('POST', api.path, mangle(value, i.how as Mangling, i.depth), api.shape);
        await checkClientAnswer(api.shape, a, `${api.path} ${i.how} ${JSON.stringify(value).slice(0, 200)}`, false);
      }),
      params(),
    );
  }, 120_000);

  it('GET /v1/models with random query strings never fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }), async (q) => {
        const a = await send('GET', `/v1/models?${new URLSearchParams(q).toString()}`, undefined);
        expect(a.status, a.text).toBeLessThan(500);
        if (a.status >= 400) expectErrorShape('openai', a, 'models');
      }),
      params(),
    );
  }, 60_000);
});

describe('hostile providers', () => {
  it('truncated, malformed and hostile answers are a 502 or a clean stream error, traced, never leaking the key', async () => {
    const input = fc.record({ anthropic: fc.boolean(), stream: fc.boolean(), api: fc.constantFrom(0, 1, 2) }).chain((r) => fc.tuple(fc.constant(r), hostileAnswer(r.anthropic ? 'messages' : 'chat', UPSTREAM_KEY)));
    await fc.assert(
      fc.asyncProperty(input, async ([r, answer]) => {
        hostile.next = answer;
        hostile.requests.length = 0;
        const api = CLIENT_APIS[r.api]!;
        const body = { ...api.base(r.anthropic ? 'evilc/m' : 'evil/m'), stream: r.stream };
        const a = await send('POST', api.path, JSON.stringify(body), api.shape);
        await checkClientAnswer(api.shape, a, `${api.path} ← ${answer.status} ${answer.contentType} ${answer.body.toString('utf8').slice(0, 200)}`, true);
      }),
      params(),
    );
  }, 120_000);
});

describe('admin API', () => {
  const paths = fc.oneof(
    fc.string({ maxLength: 40 }).map((s) => `/api/traces/${encodeURIComponent(s)}`),
    fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'model', 'since', 'q', 'provider', 'tier'), fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)), { maxKeys: 4 }).map((q) => `/api/traces?${new URLSearchParams(q).toString()}`),
    fc.dictionary(fc.constantFrom('format', 'group', 'since', 'by', 'from', 'to'), fc.string({ maxLength: 30 }), { maxKeys: 3 }).map((q) => `/api/usage?${new URLSearchParams(q).toString()}`),
    fc.dictionary(fc.constantFrom('from', 'to'), fc.string({ maxLength: 30 }), { maxKeys: 2 }).map((q) => `/api/policy/diff?${new URLSearchParams(q).toString()}`),
    fc.dictionary(fc.constantFrom('since', 'tier'), fc.string({ maxLength: 30 }), { maxKeys: 2 }).map((q) => `/api/shadow/summary?${new URLSearchParams(q).toString()}`),
    fc.constantFrom('/api/status', '/api/policy', '/api/settings', '/api/shadow/timeline'),
  );
  const replay = fc.oneof(
    anyJson,
    fc.record({ policy: fc.oneof(fc.string(), anyJson, secretSpelling(TEST_TOKEN)), last: fc.oneof(fc.integer(), anyJson), tiers: fc.option(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })) }),
    fc.constantFrom(`a: &a ["x","x","x","x"]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\nd: [*c,*c,*c,*c]`, 'apiVersion: gatehouse/v1\norg: o\ntiers: {dev: {extends: dev}}').map((policy) => ({ policy })),
  );

  it('random GETs and policy replays are never a 5xx and never show a secret', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(paths.map((p) => ({ p, body: undefined as unknown })), replay.map((body) => ({ p: '/api/policy/replay', body }))), async ({ p, body }) => {
        const a = body === undefined ? await send('GET', p, undefined) : await send('POST', p, JSON.stringify(body) ?? 'null');
        expect(a.status, `${p} ${a.text.slice(0, 300)}`).toBeLessThan(500);
        if (a.status >= 400) expectErrorShape('openai', a, p);
        expect(leaks(a.text, SECRETS), `${p}: holds a secret`).toEqual([]);
      }),
      params(),
    );
  }, 120_000);
});

describe('policy and config loaders', () => {
  const yamlish = fc.oneof(
    fc.string({ maxLength: 200 }),
    anyJson.map((v) => JSON.stringify(v) ?? ''),
    fc.tuple(fc.nat({ max: 40 }), anyJson).map(([pick, v]) => JSON.stringify(mutateAt({ apiVersion: 'gatehouse/v1', org: 'o', version: 1, tiers: { dev: { models: { allow: ['*'] }, rate_limits: [{ id: 'r', scope: ['user'], limit: { requests: 5, per: '1m' }, mode: 'enforce' }], guardrails: [{ id: 'g', type: 'pii', hook: 'llm_input', action: 'mutate', mode: 'enforce' }] }, prod: { extends: 'dev' } } }, pick, v))),
    fc.constantFrom('\uFEFFapiVersion: gatehouse/v1', 'a: 1\na: 2', `${'['.repeat(5000)}`, 'x: !!binary aGVsbG8=', '*undefined_alias', '--- !<tag:yaml.org,2002:js/function> "x"'),
  );

  it('a policy or config text is parsed or refused with problems, never a crash', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        inputs++;
        const policy = checkPolicyText(text, 'p.yaml');
        if (!policy.ok) expect(policy.problems.length).toBeGreaterThan(0);
        try {
          checkYamlWith(ConfigSchema, text, 'gatehouse.yaml');
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      params(FUZZ_RUNS * 10),
    );
  });
});

describe('at rest', () => {
  it('no file under the home holds a secret in any encoding', async () => {
    await gw.app.gateway.writer.flush();
    expect(filesLeaking(gw.home, SECRETS)).toEqual([]);
  });
});
