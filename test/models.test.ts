import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { writeFileSync } from 'node:fs';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, waitFor, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';

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

  it('refuses Claude Code (anthropic-version) in Anthropic\'s error shape, through the official SDK, and others in OpenAI\'s', async () => {
    const claude = new Anthropic({ apiKey: 'not-the-token', baseURL: gw.url, maxRetries: 0 });
    const err = (await claude.models.list().catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('gatehouse token') } });
    const openai = await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(openai.status).toBe(401);
    expect(await openai.json()).toMatchObject({ error: { code: 'GH_ERR_UNAUTHORIZED', type: 'authentication_error' } });
  });
});

const policyText = (version: number, name: string) => `
apiVersion: gatehouse/v1
org: acme
version: ${version}
tiers:
  dev:
    virtual_models:
      ${name}:
        targets: [{ model: demo/echo }]
  prod:
    extends: dev
    virtual_models:
      prod-only:
        targets: [{ model: demo/echo }]
`;

describe("the active tier's virtual models in GET /v1/models", () => {
  let vgw: TestGateway;
  let policyFile: string;
  beforeAll(async () => {
    policyFile = writePolicy(policyText(1, 'engineering-assistant'));
    vgw = await startGateway({ policy: policyFile, tiers: { active: 'dev', shadow: ['prod'] } });
  });
  afterAll(() => vgw.close());

  const listed = async (headers: Record<string, string>, query = '') => {
    const res = await fetch(`${vgw.url}/v1/models${query}`, { headers: { authorization: `Bearer ${TEST_TOKEN}`, ...headers } });
    return (await res.json()) as { data: { id: string; owned_by?: string; type?: string }[] };
  };

  it('lists them, owned by gatehouse, in the OpenAI, Anthropic and Codex shapes; a shadow tier\'s are not listed', async () => {
    const openai = await listed({});
    expect(openai.data.find((m) => m.id === 'engineering-assistant')).toMatchObject({ object: 'model', owned_by: 'gatehouse' });
    expect(openai.data.map((m) => m.id)).toContain('demo/echo');
    expect(openai.data.map((m) => m.id)).not.toContain('prod-only');
    const client = new Anthropic({ apiKey: TEST_TOKEN, baseURL: vgw.url, maxRetries: 0 });
    const page = await client.models.list();
    expect(page.data.find((m) => m.id === 'engineering-assistant')).toMatchObject({ type: 'model', display_name: 'engineering-assistant' });
    const codex = await listed({}, '?client_version=0.169.0');
    expect(codex.data.map((m) => m.id)).toContain('engineering-assistant');
  });

  it('follows the policy file as it changes while the gateway runs', async () => {
    writeFileSync(policyFile, policyText(2, 'review-assistant'));
    await waitFor(async () => (await vgw.api<{ version: number | null }>('/api/policy')).version === 2, 'version 2 to apply');
    const ids = (await listed({})).data.map((m) => m.id);
    expect(ids).toContain('review-assistant');
    expect(ids).not.toContain('engineering-assistant');
  });
});

describe('an unknown path', () => {
  it('names every client route, in the caller\'s error shape', async () => {
    const res = await fetch(`${gw.url}/v1/complete`, { method: 'POST', headers: { 'x-api-key': TEST_TOKEN, 'anthropic-version': '2023-06-01' } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    for (const route of ['POST /v1/chat/completions', 'POST /v1/responses', 'POST /v1/messages,', 'POST /v1/messages/count_tokens', 'POST /v1/embeddings', 'GET /v1/models']) {
      expect(body.error.message).toContain(route);
    }
    const openai = (await (await fetch(`${gw.url}/v1/complete`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as { error: { code: string } };
    expect(openai.error.code).toBe('GH_ERR_NOT_FOUND');
  });
});
