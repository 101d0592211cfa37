import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';
import { drain, rawStream } from './helpers/sse.js';
import { startBedrockStandin, type BedrockStandin } from './standins/bedrock-upstream.js';

const AWS = { region: 'eu-west-1', accessKeyId: 'AKIAGATEHOUSETEST01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYGATEHOUSEKEY', apiKey: 'ABSKbedrock-api-key-example' };
const ENV = { AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey, AWS_SESSION_TOKEN: 'session-token-example', BEDROCK_API_KEY: AWS.apiKey };
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

let upstream: BedrockStandin;
let gw: TestGateway;
let wrongSecret: TestGateway;
let withApiKey: TestGateway;

const provider = (extra: Record<string, unknown>) => ({ id: 'br', kind: 'bedrock', region: AWS.region, base_url: upstream.url, models: [HAIKU], ...extra });
const sigv4 = { access_key_id: 'env:AWS_ACCESS_KEY_ID', secret_access_key: 'env:AWS_SECRET_ACCESS_KEY', session_token: 'env:AWS_SESSION_TOKEN' };

beforeAll(async () => {
  upstream = await startBedrockStandin(AWS);
  gw = await startGateway({ providers: [provider(sigv4)] }, ENV);
  wrongSecret = await startGateway({ providers: [provider(sigv4)] }, { ...ENV, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
  withApiKey = await startGateway({ providers: [provider({ api_key: 'env:BEDROCK_API_KEY' })] }, ENV);
});
afterAll(async () => {
  await Promise.all([gw.close(), wrongSecret.close(), withApiKey.close()]);
  await upstream.close();
});

const last = () => upstream.requests.at(-1)!;
const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

describe('OpenAI chat completions to Bedrock Converse, through the gateway with the openai SDK', () => {
  it('answers from Converse with a SigV4-signed request the stand-in verifies, and traces the usage', async () => {
    const { data, response } = await gw.client.chat.completions
      .create(
        { model: `br/${HAIKU}`, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello bedrock' }], max_tokens: 64, stop: ['END'] },
        // A client that echoes credentials in a header: the adapter's secrets() get them masked in the trace.
        { headers: { 'x-debug-note': `creds ${AWS.secretAccessKey} ${ENV.AWS_SESSION_TOKEN}` } },
      )
      .withResponse();
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'echo: hello bedrock' }, finish_reason: 'stop' });
    const req = last();
    expect(req.rawPath).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAGATEHOUSETEST01\/\d{8}\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(req.headers['x-amz-security-token']).toBe('session-token-example');
    expect(JSON.stringify(req.headers)).not.toContain(TEST_TOKEN);
    expect(req.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'hello bedrock' }] }], system: [{ text: 'be brief' }], inferenceConfig: { maxTokens: 64, stopSequences: ['END'] } });
    const trace = await gw.api<Trace>(`/api/traces/${response.headers.get('x-gatehouse-trace-id')}`);
    expect(trace).toMatchObject({ provider: 'br', status: 200, tokens_in: data.usage!.prompt_tokens, tokens_out: data.usage!.completion_tokens });
    expect(trace.request_headers['x-debug-note']).toBe('creds [redacted] [redacted]');
    expect(JSON.stringify(trace)).not.toContain(AWS.secretAccessKey);
  });

  it('authenticates with a Bedrock API key as a bearer token instead', async () => {
    const res = await withApiKey.client.chat.completions.create({ model: `br/${HAIKU}`, messages: [{ role: 'user', content: 'key' }] });
    expect(res.choices[0]!.message.content).toBe('echo: key');
    expect(last().headers.authorization).toBe(`Bearer ${AWS.apiKey}`);
  });

  it('a signature AWS refuses is the gateway config, not the caller: 502', async () => {
    const err = (await wrongSecret.client.chat.completions.create({ model: `br/${HAIKU}`, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/rejected its credentials \(403: The request signature we calculated does not match/);
    // The fields that hold a SigV4 provider's credentials, not an api_key it does not have.
    expect(err.message).toContain('check its access_key_id, secret_access_key and session_token in gatehouse.yaml');
    expect(err.message).not.toContain('api_key');
  });

  it('streams ConverseStream frames as chunks event by event, with usage (cache reads included) and [DONE]', async () => {
    const { events } = await rawStream(gw, '/v1/chat/completions', { model: 'br/cached', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me' }] });
    expect(last().rawPath).toBe('/model/cached/converse-stream');
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as OpenAI.ChatCompletionChunk);
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([{ role: 'assistant', content: 'echo: st' }, { content: 'ream me' }, {}, null]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, 'stop', null]);
    const usage = chunks.at(-1)!.usage!;
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(1024);
    expect(usage.prompt_tokens).toBeGreaterThan(1024);
  });

  it('streams a tool use with its arguments in pieces, then takes the tool result back', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'br/tool-call', stream: true, messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool], tool_choice: 'required' });
    expect(last().body).toMatchObject({ toolConfig: { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: weatherTool.function.parameters } } }], toolChoice: { any: {} } } });
    const { items, error } = await drain(stream);
    expect(error).toBeNull();
    expect(items.map((c) => c.choices[0]!.delta)).toEqual([
      { role: 'assistant', tool_calls: [{ index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '":"Paris"}' } }] },
      {},
    ]);
    expect(items.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');

    const answer = await gw.client.chat.completions.create({
      model: 'br/tool-call',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', content: '{"temp_c":18}' },
      ],
    });
    expect((last().body as { messages: unknown[] }).messages[2]).toEqual({ role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', content: [{ json: { temp_c: 18 } }] } }] });
    expect(answer.choices[0]!.message.content).toBe('result of tooluse_kZJMlvQmRJ6eAyJE5GIl7Q: [{"json":{"temp_c":18}}]');
  });

  it('answers a tool use without streaming as tool_calls', async () => {
    const res = await gw.client.chat.completions.create({ model: 'br/tool-call', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] });
    expect(res.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } });
  });

  it('sends data-URL images as image blocks and refuses links with a clear 400', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const image = (url: string) => gw.client.chat.completions.create({ model: `br/${HAIKU}`, messages: [{ role: 'user', content: [{ type: 'text', text: 'what?' }, { type: 'image_url', image_url: { url } }] }] });
    const res = await image(`data:image/png;base64,${png}`);
    expect((last().body as { messages: { content: unknown[] }[] }).messages[0]!.content[1]).toEqual({ image: { format: 'png', source: { bytes: png } } });
    expect(res.choices[0]!.message.content).toBe('echo: what? [1 image]');
    const err = (await image('https://example.com/cat.png').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.code).toBe('GH_ERR_UNSUPPORTED_CONTENT');
    expect(err.param).toBe('messages[0].content[1]');
  });

  it('maps stopReason max_tokens to length', async () => {
    const res = await gw.client.chat.completions.create({ model: 'br/max-tokens', messages: [{ role: 'user', content: 'x' }] });
    expect(res.choices[0]!.finish_reason).toBe('length');
  });

  it('lists the configured models', async () => {
    expect((await gw.client.models.list()).data.map((m) => m.id)).toContain(`br/${HAIKU}`);
  });
});

describe('Bedrock errors reach the client in its API shape', () => {
  it('429 ThrottlingException keeps its status; 400 ValidationException its message', async () => {
    const fail = async (model: string) => {
      const err: unknown = await gw.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      return err as InstanceType<typeof OpenAI.APIError>;
    };
    const throttled = await fail('br/throttle');
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    expect(throttled.message).toContain('Too many requests, please wait before trying again. (ThrottlingException)');
    const bad = await fail('br/bad-request');
    expect(bad).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(bad.message).toContain('The provided model identifier is invalid. (ValidationException)');
  });

  it('an exception event mid-stream reaches the client once, without [DONE]', async () => {
    for (const [model, text] of [['br/stream-throttle', 'Too many tokens, please wait before trying again. (throttlingException)'], ['br/model-stream-error', 'The model stream failed: received an invalid chunk. (modelStreamErrorException)']] as const) {
      const { events, headers } = await rawStream(gw, '/v1/chat/completions', { model, stream: true, messages: [{ role: 'user', content: 'abc def' }] });
      expect(events).not.toContain('[DONE]');
      expect(JSON.parse(events[0]!).choices[0].delta.content).toBe('echo: a');
      const errors = events.filter((e) => e.includes('"error"'));
      expect(errors).toHaveLength(1);
      expect(JSON.parse(errors[0]!).error.message).toBe(text);
      const trace = await gw.api<Trace>(`/api/traces/${headers.get('x-gatehouse-trace-id')}`);
      expect(trace).toMatchObject({ error_code: 'GH_ERR_UPSTREAM_ERROR' });
    }
    const { error } = await drain(await gw.client.chat.completions.create({ model: 'br/stream-throttle', stream: true, messages: [{ role: 'user', content: 'abc' }] }));
    expect(error).toBeInstanceOf(OpenAI.APIError);
  });

  it('a cut stream ends with the gateway error event, without [DONE]', async () => {
    const { events, headers } = await rawStream(gw, '/v1/chat/completions', { model: 'br/cut-stream', stream: true, messages: [{ role: 'user', content: 'abc def' }] });
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: 'GH_ERR_UPSTREAM_STREAM_CUT' } });
    const trace = await gw.api<Trace>(`/api/traces/${headers.get('x-gatehouse-trace-id')}`);
    expect(trace).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_STREAM_CUT' });
  });
});
