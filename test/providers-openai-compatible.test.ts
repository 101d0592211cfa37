import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { azureOpenAI } from '../local-gateway/providers/azure-openai/index.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { drain, rawStream } from './helpers/sse.js';
import { startAzureStandin, type AzureStandin } from './standins/azure-upstream.js';
import { OLLAMA_TAGS, startOllamaStandin, type OllamaStandin } from './standins/ollama-upstream.js';

let azure: AzureStandin;
let ollama: OllamaStandin;
let compatibleOnly: OllamaStandin;
let gw: TestGateway;

const azureConfig = () => ({ id: 'az', kind: 'azure-openai', base_url: azure.url, api_key: 'env:UPSTREAM_KEY', deployments: { 'gpt-4o-mini': 'my-gpt4o-mini' }, models: ['tool-call'] });

beforeAll(async () => {
  azure = await startAzureStandin({ apiKey: UPSTREAM_KEY, deployments: ['my-gpt4o-mini', 'tool-call', 'cut-stream', 'rate-limit', 'text-embedding-3-small'] });
  ollama = await startOllamaStandin();
  compatibleOnly = await startOllamaStandin({ tags: false });
  gw = await startGateway({
    providers: [azureConfig(), { id: 'local', kind: 'ollama', base_url: ollama.url }, { id: 'compat', kind: 'ollama', base_url: compatibleOnly.url }],
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([azure.close(), ollama.close(), compatibleOnly.close()]);
});

const lastAzure = () => azure.requests.at(-1)!;

describe('azure-openai through the gateway with the openai SDK', () => {
  it('calls the mapped deployment with api-version and the api-key header, never a bearer', async () => {
    const res = await gw.client.chat.completions.create({ model: 'az/gpt-4o-mini', messages: [{ role: 'user', content: 'hello azure' }] });
    expect(res.choices[0]!.message.content).toBe('echo: hello azure');
    const req = lastAzure();
    expect(req.path).toBe('/openai/deployments/my-gpt4o-mini/chat/completions');
    expect(req.query.get('api-version')).toBe('2024-10-21');
    expect(req.headers['api-key']).toBe(UPSTREAM_KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(JSON.stringify(req.headers)).not.toContain(TEST_TOKEN);
  });

  it('streams tool call deltas event by event to [DONE], the model name being the deployment when unmapped', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const { items, error } = await drain(await gw.client.chat.completions.create({ model: 'az/tool-call', stream: true, messages: [{ role: 'user', content: 'weather?' }], tools }));
    expect(error).toBeNull();
    expect(lastAzure().path).toBe('/openai/deployments/tool-call/chat/completions');
    const calls = items.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(calls.map((c) => c.function?.arguments ?? '').join(''))).toBeTypeOf('object');
    expect(items.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    const raw = await rawStream(gw, '/v1/chat/completions', { model: 'az/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(raw.events.at(-1)).toBe('[DONE]');
  });

  it('keeps a 429 with its retry-after, and says which deployment does not exist', async () => {
    const limited = (await gw.client.chat.completions.create({ model: 'az/rate-limit', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers?.get('retry-after')).toBe('7');
    const missing = (await gw.client.chat.completions.create({ model: 'az/gpt-5', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(missing.status).toBe(404);
    expect(missing.message).toContain('The API deployment for this resource does not exist');
  });

  it('ends a cut stream with an error event and no [DONE]', async () => {
    const { events } = await rawStream(gw, '/v1/chat/completions', { model: 'az/cut-stream', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] });
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: 'GH_ERR_UPSTREAM_STREAM_CUT' } });
  });

  it('embeds on the deployment route and lists the configured names', async () => {
    const res = await gw.client.embeddings.create({ model: 'az/text-embedding-3-small', input: 'hi' });
    expect(res.data).toHaveLength(1);
    expect(lastAzure().path).toBe('/openai/deployments/text-embedding-3-small/embeddings');
    const ids = (await gw.client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['az/gpt-4o-mini', 'az/tool-call']));
  });

  it('sends Responses to the v1 route with the deployment as model', async () => {
    const config = ConfigSchema.parse({ providers: [azureConfig()] }).providers[0]!;
    if (config.kind !== 'azure-openai') throw new Error('expected an azure-openai config');
    expect(config.api_version).toBe('2024-10-21');
    const adapter = azureOpenAI.create(config, { timeouts: ConfigSchema.parse({}).timeouts, env: { UPSTREAM_KEY } });
    try {
      const text = '{"model":"gpt-4o-mini","input":"hi"}';
      const up = await adapter.call({ api: 'responses', model: 'gpt-4o-mini', body: JSON.parse(text) as Record<string, unknown>, bodyText: text, stream: false, clientHeaders: {}, signal: AbortSignal.timeout(5000) });
      expect(up.status).toBe(200);
      expect(JSON.parse(await up.text())).toMatchObject({ object: 'response', model: 'my-gpt4o-mini' });
      expect(lastAzure()).toMatchObject({ path: '/openai/v1/responses', body: { model: 'my-gpt4o-mini', input: 'hi' } });
    } finally {
      await adapter.close();
    }
  });
});

describe('ollama through the gateway with the openai SDK', () => {
  it('answers through the compatible API with no key, streaming and not', async () => {
    const res = await gw.client.chat.completions.create({ model: 'local/llama3.2:latest', messages: [{ role: 'user', content: 'hi llama' }] });
    expect(res.choices[0]!.message.content).toBe('echo: hi llama');
    const { items, error } = await drain(await gw.client.chat.completions.create({ model: 'local/llama3.2:latest', stream: true, messages: [{ role: 'user', content: 'one two' }] }));
    expect(error).toBeNull();
    expect(items.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: one two');
    const recorded = ollama.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(recorded).toHaveLength(2);
    for (const r of recorded) expect(r.headers.authorization).toBeUndefined();
  });

  it('lists pulled models from /api/tags, and from /v1/models where only the compatible API exists', async () => {
    const ids = (await gw.client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(OLLAMA_TAGS.map((t) => `local/${t}`)));
    expect(ids.filter((id) => id.startsWith('compat/')).length).toBeGreaterThan(0);
    expect(compatibleOnly.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/tags', '/v1/models']));
  });

  it('defaults base_url to the local Ollama', () => {
    const [p] = ConfigSchema.parse({ providers: [{ id: 'o', kind: 'ollama' }] }).providers;
    expect(p).toMatchObject({ kind: 'ollama', base_url: 'http://127.0.0.1:11434/v1' });
  });
});
