import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { drain, rawStream } from './helpers/sse.js';
import { startGeminiStandin, type GeminiStandin } from './standins/gemini-upstream.js';

let upstream: GeminiStandin;
let gw: TestGateway;
let badKey: TestGateway;

beforeAll(async () => {
  upstream = await startGeminiStandin({ apiKey: UPSTREAM_KEY });
  const provider = { id: 'gem', kind: 'gemini', base_url: upstream.url, api_key: 'env:UPSTREAM_KEY', models: ['gemini-2.5-flash'] };
  gw = await startGateway({ providers: [provider] });
  badKey = await startGateway({ providers: [provider] }, { UPSTREAM_KEY: 'wrong-key' });
});
afterAll(async () => {
  await gw.close();
  await badKey.close();
  await upstream.close();
});

const last = () => upstream.requests.at(-1)!;
const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

describe('OpenAI chat completions to Gemini, through the gateway with the openai SDK', () => {
  it('answers a non-streamed request from generateContent, with usage, and traces it', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'gem/gemini-2.5-flash', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello gemini' }], max_tokens: 50, temperature: 0.1 })
      .withResponse();
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'echo: hello gemini' }, finish_reason: 'stop' });
    expect(data.usage).toMatchObject({ completion_tokens_details: { reasoning_tokens: 3 } });
    expect(data.usage!.completion_tokens).toBeGreaterThan(3);

    const req = last();
    expect(req.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(req.headers['x-goog-api-key']).toBe(UPSTREAM_KEY);
    expect(JSON.stringify(req.headers)).not.toContain(TEST_TOKEN);
    expect(req.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hello gemini' }] }],
      systemInstruction: { parts: [{ text: 'be brief' }] },
      generationConfig: { temperature: 0.1, maxOutputTokens: 50 },
    });
    const trace = await gw.api<Trace>(`/api/traces/${response.headers.get('x-gatehouse-trace-id')}`);
    expect(trace).toMatchObject({ provider: 'gem', status: 200, tokens_in: data.usage!.prompt_tokens, tokens_out: data.usage!.completion_tokens });
  });

  it('streams chunks event by event, ending with the usage chunk and [DONE] when asked', async () => {
    const { events } = await rawStream(gw, '/v1/chat/completions', { model: 'gem/gemini-2.5-flash', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me' }] });
    expect(last().path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(last().query.get('alt')).toBe('sse');
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as OpenAI.ChatCompletionChunk);
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([{ role: 'assistant', content: 'echo: st' }, { content: 'ream me' }, {}, null]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, 'stop', null]);
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens_details: { reasoning_tokens: 3 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('streams to the SDK without the usage chunk when the client did not ask for it', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'gem/gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'abc' }] });
    const { items, error } = await drain(stream);
    expect(error).toBeNull();
    expect(items.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: abc');
    expect(items.every((c) => c.choices.length === 1 && !c.usage)).toBe(true);
  });

  it('sends tools as functionDeclarations and turns a functionCall into tool_calls, then takes the tool result back', async () => {
    const first = await gw.client.chat.completions.create({ model: 'gem/tool-call', messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [weatherTool], tool_choice: 'auto' });
    expect(last().body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: weatherTool.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });

    const second = await gw.client.chat.completions.create({
      model: 'gem/tool-call',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Paris?' }, choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":18}' }],
    });
    expect(last().body).toMatchObject({
      contents: [
        { role: 'user', parts: [{ text: 'weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp_c: 18 } } }] },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('result of get_weather: {"temp_c":18}');
  });

  it('streams a tool call as one delta with its arguments and finish_reason tool_calls', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'gem/tool-call', stream: true, messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] });
    const { items, error } = await drain(stream);
    expect(error).toBeNull();
    expect(items.map((c) => c.choices[0]!.delta)).toEqual([
      { role: 'assistant', tool_calls: [{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      {},
    ]);
    expect(items.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('sends images inline', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const res = await gw.client.chat.completions.create({
      model: 'gem/gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is it?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    expect((last().body as { contents: unknown[] }).contents[0]).toEqual({ role: 'user', parts: [{ text: 'what is it?' }, { inlineData: { mimeType: 'image/png', data: png } }] });
    expect(res.choices[0]!.message.content).toBe('echo: what is it? [1 image]');
  });

  it('maps finishReason MAX_TOKENS to length', async () => {
    const res = await gw.client.chat.completions.create({ model: 'gem/max-tokens', messages: [{ role: 'user', content: 'long' }] });
    expect(res.choices[0]!.finish_reason).toBe('length');
  });
});

describe('Gemini errors reach the client in its API shape', () => {
  it('429 keeps its status and gets retry-after from RetryInfo', async () => {
    const err = await gw.client.chat.completions.create({ model: 'gem/rate-limit', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.headers.get('retry-after')).toBe('7');
    expect(e.message).toContain('You exceeded your current quota');
    expect(e.code).toBe('GH_ERR_UPSTREAM_ERROR');
  });

  it('400 and 404 keep their status; 500 becomes 502', async () => {
    const status = (model: string) => gw.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).catch((e: InstanceType<typeof OpenAI.APIError>) => e);
    const bad = await status('gem/bad-request');
    expect(bad).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(String(bad)).toMatch(/empty text parameter.*\(INVALID_ARGUMENT\)/);
    const missing = await status('gem/not-found');
    expect(missing).toMatchObject({ status: 404 });
    expect(String(missing)).toContain('Call ListModels');
    expect(String(missing)).not.toContain('OpenAI-compatible servers answer under /v1');
    expect(await status('gem/fail-500')).toMatchObject({ status: 502 });
  });

  it('a streamed 400 is sent once: Gemini ignores stream_options, so its refusal is never about it', async () => {
    const before = upstream.requests.length;
    const err = (await gw.client.chat.completions.create({ model: 'gem/bad-request', stream: true, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toMatchObject({ status: 400 });
    expect(upstream.requests.length - before).toBe(1);
  });

  it('a rejected key is the gateway config, not the caller: 502 naming api_key', async () => {
    const err = (await badKey.client.chat.completions.create({ model: 'gem/gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/rejected its credentials .*check its api_key in gatehouse\.yaml/);
  });

  it('an error event mid-stream reaches the client once, without [DONE]', async () => {
    const { events } = await rawStream(gw, '/v1/chat/completions', { model: 'gem/error-in-stream', stream: true, messages: [{ role: 'user', content: 'abc def' }] });
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events[0]!).choices[0].delta.content).toBe('echo: a');
    const errors = events.filter((e) => e.includes('"error"'));
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]!)).toMatchObject({ error: { message: 'The model is overloaded. Please try again later. (UNAVAILABLE)', code: 'UNAVAILABLE' } });

    const stream = await gw.client.chat.completions.create({ model: 'gem/error-in-stream', stream: true, messages: [{ role: 'user', content: 'abc' }] });
    const { error } = await drain(stream);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String(error)).toContain('overloaded');
  });

  it('a cut stream ends with the gateway error event, without [DONE], and the trace says so', async () => {
    const { events, headers } = await rawStream(gw, '/v1/chat/completions', { model: 'gem/cut-stream', stream: true, messages: [{ role: 'user', content: 'abc def' }] });
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: 'GH_ERR_UPSTREAM_STREAM_CUT' } });
    const trace = await gw.api<Trace>(`/api/traces/${headers.get('x-gatehouse-trace-id')}`);
    expect(trace).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_STREAM_CUT', stream: true });
  });
});

describe('Gemini models and embeddings', () => {
  it('lists the models that generate or embed, under the provider id', async () => {
    const ids = (await gw.client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gem/gemini-2.5-flash', 'gem/gemini-2.5-pro', 'gem/text-embedding-004']));
    expect(ids).not.toContain('gem/imagen-4.0-generate-001');
  });

  it('embeds through batchEmbedContents, base64 as the SDK asks', async () => {
    const res = await gw.client.embeddings.create({ model: 'gem/text-embedding-004', input: ['one', 'three'] });
    expect(last().path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(last().body).toEqual({ requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'one' }] } }, { model: 'models/text-embedding-004', content: { parts: [{ text: 'three' }] } }] });
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[0]!.embedding).toHaveLength(8);
    expect(res.data[0]!.embedding[0]).toBeCloseTo(Math.round(Math.sin(3) * 1000) / 1000, 5);
  });
});
