import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';

let upstream: OpenAIStandin;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway(upstreamConfig(upstream.url));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

describe('GET /v1/models in the shape each client reads', () => {
  it('OpenAI clients get the OpenAI list', async () => {
    const ids = [];
    for await (const m of gw.client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['demo/echo', 'up/gpt-4o-mini', 'up/o3-mini']));
  });

  it('Anthropic clients (anthropic-version) get Anthropic\'s list, through the official SDK', async () => {
    const client = new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(expect.arrayContaining(['demo/echo', 'up/gpt-4o']));
    const first = page.data[0]!;
    expect(first).toMatchObject({ type: 'model', display_name: first.id });
    expect(new Date(first.created_at).toISOString()).toBe(first.created_at);
    const raw = (await (await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': TEST_TOKEN, 'anthropic-version': '2023-06-01' } })).json()) as Record<string, unknown>;
    expect(raw).toMatchObject({ has_more: false, first_id: first.id, last_id: page.data.at(-1)!.id });
  });

  it('Codex (?client_version=) gets a `models` array it can decode, beside the OpenAI list', async () => {
    const res = await fetch(`${gw.url}/v1/models?client_version=0.169.0`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const body = (await res.json()) as { models: unknown[]; data: { id: string }[] };
    expect(res.status).toBe(200);
    expect(body.models).toEqual([]);
    expect(body.data.map((m) => m.id)).toContain('up/gpt-4o-mini');
  });
});
