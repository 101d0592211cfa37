/**
 * A provider that answers 200 with something that is not its API's answer (wrong types, JSON
 * of another shape, an HTML page, a stream with a cut-off event) is an upstream failure: a
 * complete answer becomes a 502 GH_ERR_UPSTREAM_BAD_RESPONSE in the caller's API shape, a
 * stream ends with a clean error event in the caller's format, and the trace says so. Every
 * provider kind's stand-in plays the bad answers of `standins/bad-answers.ts`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { drain, sseEvents } from './helpers/sse.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startAzureStandin, type AzureStandin } from './standins/azure-upstream.js';
import { BAD_ANSWERS } from './standins/bad-answers.js';
import { startBedrockStandin, type BedrockStandin } from './standins/bedrock-upstream.js';
import { startGeminiStandin, type GeminiStandin } from './standins/gemini-upstream.js';
import { startOllamaStandin, type OllamaStandin } from './standins/ollama-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const AWS = { region: 'eu-west-1', accessKeyId: 'AKIAGATEHOUSEBAD0001', secretAccessKey: 'badAnswersSecretAccessKey/0123456789abcdef' };

let openai: OpenAIStandin;
let anthropic: AnthropicStandin;
let gemini: GeminiStandin;
let azure: AzureStandin;
let bedrock: BedrockStandin;
let ollama: OllamaStandin;
let gw: TestGateway;

beforeAll(async () => {
  [openai, anthropic, gemini, azure, bedrock, ollama] = await Promise.all([
    startOpenAIStandin({ apiKey: UPSTREAM_KEY }),
    startAnthropicStandin({ apiKey: UPSTREAM_KEY }),
    startGeminiStandin({ apiKey: UPSTREAM_KEY }),
    startAzureStandin({ apiKey: UPSTREAM_KEY, deployments: [...BAD_ANSWERS] }),
    startBedrockStandin(AWS),
    startOllamaStandin(),
  ]);
  const key = 'env:UPSTREAM_KEY';
  gw = await startGateway(
    {
      providers: [
        { id: 'oai', kind: 'openai', base_url: openai.url, api_key: key },
        { id: 'claude', kind: 'anthropic', base_url: anthropic.url, api_key: key },
        { id: 'gem', kind: 'gemini', base_url: gemini.url, api_key: key },
        { id: 'az', kind: 'azure-openai', base_url: azure.url, api_key: key },
        { id: 'bed', kind: 'bedrock', region: AWS.region, base_url: bedrock.url, access_key_id: 'env:AWS_ACCESS_KEY_ID', secret_access_key: 'env:AWS_SECRET_ACCESS_KEY' },
        { id: 'oll', kind: 'ollama', base_url: ollama.url },
      ],
    },
    { AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey },
  );
});
afterAll(async () => {
  await gw.close();
  await Promise.all([openai, anthropic, gemini, azure, bedrock, ollama].map((s) => s.close()));
});

type Shape = 'openai' | 'anthropic';
interface Api {
  path: string;
  shape: Shape;
  body(model: string, stream: boolean): Record<string, unknown>;
  streams: boolean;
}

const MESSAGES = [{ role: 'user', content: 'hi' }];
const APIS: Record<string, Api> = {
  chat: { path: '/v1/chat/completions', shape: 'openai', streams: true, body: (model, stream) => ({ model, messages: MESSAGES, stream }) },
  messages: { path: '/v1/messages', shape: 'anthropic', streams: true, body: (model, stream) => ({ model, max_tokens: 32, messages: MESSAGES, stream }) },
  responses: { path: '/v1/responses', shape: 'openai', streams: true, body: (model, stream) => ({ model, input: 'hi', stream }) },
  embeddings: { path: '/v1/embeddings', shape: 'openai', streams: false, body: (model) => ({ model, input: 'hi' }) },
  count_tokens: { path: '/v1/messages/count_tokens', shape: 'anthropic', streams: false, body: (model) => ({ model, messages: MESSAGES }) },
};

/** Each client API on the providers that serve it, natively or translated. */
const CASES: [keyof typeof APIS, string][] = [
  ...['oai', 'claude', 'gem', 'az', 'bed', 'oll'].map((p): [keyof typeof APIS, string] => ['chat', p]),
  ['messages', 'claude'],
  ['messages', 'oai'],
  ['messages', 'gem'],
  ['responses', 'oai'],
  ['responses', 'claude'],
  ['embeddings', 'oai'],
  ['embeddings', 'gem'],
  ['count_tokens', 'claude'],
];

async function post(api: Api, model: string, stream: boolean) {
  const res = await fetch(gw.url + api.path, {
    method: 'POST',
    body: JSON.stringify(api.body(model, stream)),
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...(api.shape === 'anthropic' ? { 'anthropic-version': '2023-06-01' } : {}) },
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', trace: res.headers.get('x-gatehouse-trace-id')!, text: await res.text() };
}

function expectRefusal(shape: Shape, text: string): void {
  const body = JSON.parse(text) as unknown;
  if (shape === 'openai') expect(body).toMatchObject({ error: { code: 'GH_ERR_UPSTREAM_BAD_RESPONSE', type: 'upstream_error' } });
  else expect(body).toMatchObject({ type: 'error', error: { type: 'api_error' } });
}

async function expectTraced(id: string): Promise<void> {
  expect(await gw.api<Trace>(`/api/traces/${id}`)).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_BAD_RESPONSE' });
}

describe('a complete answer of the wrong shape is a 502 GH_ERR_UPSTREAM_BAD_RESPONSE', () => {
  for (const [name, provider] of CASES) {
    it(`${name} on ${provider}`, async () => {
      const api = APIS[name]!;
      for (const bad of ['bad-shape', 'alien-json', 'not-json'] as const) {
        for (const stream of api.streams ? [false, true] : [false]) {
          const r = await post(api, `${provider}/${bad}`, stream);
          expect(r.status, `${bad}${stream ? ' (stream asked)' : ''}: ${r.text}`).toBe(502);
          expectRefusal(api.shape, r.text);
          await expectTraced(r.trace);
        }
      }
    });
  }
});

describe('a stream with a broken event ends with a clean error event', () => {
  for (const [name, provider] of CASES.filter(([n]) => APIS[n]!.streams)) {
    it(`${name} on ${provider}`, async () => {
      const api = APIS[name]!;
      const r = await post(api, `${provider}/bad-sse`, true);
      expect(r.status).toBe(200);
      expect(r.type).toContain('text/event-stream');
      const events = sseEvents(r.text);
      // Every event the client got is well-formed JSON in its API's format; the last says what failed.
      for (const ev of events) if (ev.data !== '[DONE]') expect(() => JSON.parse(ev.data) as unknown, ev.data).not.toThrow();
      expect(events.some((e) => e.data === '[DONE]')).toBe(false);
      const errors = events.filter((e) => e.event === 'error' || (e.event === null && e.data.includes('"error"')));
      expect(errors.length, r.text).toBeGreaterThan(0);
      const last = events.at(-1)!;
      if (name === 'chat') expect(JSON.parse(last.data)).toMatchObject({ error: { code: 'GH_ERR_UPSTREAM_BAD_RESPONSE' } });
      if (name === 'messages') expect(last).toMatchObject({ event: 'error' });
      if (name === 'responses') expect(JSON.parse(last.data)).toMatchObject({ type: 'response.failed', response: { error: { code: 'GH_ERR_UPSTREAM_BAD_RESPONSE' } } });
      await expectTraced(r.trace);
    });
  }

  it('the official SDKs end such a stream with an error, not a parse crash', async () => {
    const chat = await drain(await gw.client.chat.completions.create({ model: 'oai/bad-sse', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(chat.error).toMatchObject({ code: 'GH_ERR_UPSTREAM_BAD_RESPONSE' });
    const claude = new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const msgs = await drain(await claude.messages.create({ model: 'claude/bad-sse', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(msgs.error).toBeInstanceOf(Anthropic.APIError);
    expect((msgs.error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('stream event') } });
  });

  it('a good answer still passes untouched', async () => {
    const r = await post(APIS.chat!, 'oai/gpt-4o-mini', false);
    expect(r.status, r.text).toBe(200);
  });
});
