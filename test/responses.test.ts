import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Trace } from '../local-gateway/store/schema.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { parseResponsesRequest, streamEvents } from './standins/responses-wire.js';
import { startAnthropicMini, type AnthropicMini } from './standins/anthropic-mini.js';
import { fixtureJson } from './helpers/sse-fixtures.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';

let upstream: OpenAIStandin;
let claude: AnthropicMini;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  claude = await startAnthropicMini();
  const { providers } = upstreamConfig(upstream.url);
  gw = await startGateway({
    providers: [
      ...providers,
      // An OpenAI-compatible server without /responses (vLLM, LM Studio, llama.cpp): Responses is translated to chat.
      { id: 'chat', kind: 'openai', base_url: upstream.url, api_key: 'env:UPSTREAM_KEY', apis: ['chat.completions', 'embeddings', 'models'] },
      { id: 'claude', kind: 'anthropic', base_url: claude.url, api_key: 'env:UPSTREAM_KEY' },
    ],
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  await claude.close();
});

type Event = OpenAI.Responses.ResponseStreamEvent;

async function collect(params: Omit<OpenAI.Responses.ResponseCreateParamsStreaming, 'stream'>): Promise<Event[]> {
  const stream = await gw.client.responses.create({ ...params, stream: true });
  const events: Event[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

const completedOf = (events: Event[]) => (events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response;
const traceOf = (id: string) => gw.api<Trace>(`/api/traces/${id}`);

describe('POST /v1/responses pass-through (provider speaks Responses)', () => {
  it('answers non-streamed; the upstream gets the body with only the model changed', async () => {
    const { data, response } = await gw.client.responses.create({ model: 'up/gpt-4o-mini', input: 'hello responses' }).withResponse();
    expect(data.output_text).toBe('echo: hello responses');
    expect(upstream.requests.at(-1)!.path).toBe('/v1/responses');
    expect(upstream.requests.at(-1)!.text).toBe(JSON.stringify({ model: 'gpt-4o-mini', input: 'hello responses' }));
    const trace = await traceOf(response.headers.get('x-gatehouse-trace-id')!);
    expect(trace).toMatchObject({ api: 'responses', status: 200, tokens_in: data.usage!.input_tokens, tokens_out: data.usage!.output_tokens });
  });

  it('relays the stream event by event as the provider sent it', async () => {
    const events = await collect({ model: 'up/gpt-4o-mini', input: [{ role: 'user', content: 'stream me' }] });
    const sent = upstream.requests.at(-1)!;
    const req = parseResponsesRequest(sent.body, sent.text);
    if (typeof req === 'string') throw new Error(req);
    expect(events).toEqual(streamEvents(req));
    expect(completedOf(events).output_text ?? (completedOf(events).output[1] as { content: { text: string }[] }).content[0]!.text).toBe('echo: stream me');
  });

  it('keeps the Codex 0.169 body as sent (developer input, namespaces, include, prompt_cache_key)', async () => {
    const recorded = fixtureJson<{ body: Record<string, unknown> }>('responses/codex-0.169.0-request.json');
    const text = JSON.stringify({ ...recorded.body, model: 'up/gpt-4o-mini' }, null, 1);
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', accept: 'text/event-stream', originator: 'codex_exec' },
      body: text,
    });
    expect(res.status).toBe(200);
    const streamed = await res.text();
    expect(upstream.requests.at(-1)!.text).toBe(text.replace('"model": "up/gpt-4o-mini"', '"model":"gpt-4o-mini"'));
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(streamed).toContain('event: response.completed');
  });

  it('streams a function call', async () => {
    const events = await collect({ model: 'up/tool-call', input: 'weather?', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: false }] });
    const done = events.find((e) => e.type === 'response.output_item.done')!;
    expect(done).toMatchObject({ item: { type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' } });
  });

  it('a provider 429 reaches the client as 429 with retry-after, in OpenAI shape', async () => {
    const err = (await gw.client.responses.create({ model: 'up/rate-limit', input: 'x' }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(err.error).toMatchObject({ message: expect.stringContaining('Rate limit reached') as string, type: 'requests' });
  });

  it('a failure inside the stream arrives as error + response.failed and is traced', async () => {
    const stream = await gw.client.responses.create({ model: 'up/error-in-stream', input: 'x', stream: true }).withResponse();
    const events: Event[] = [];
    for await (const e of stream.data) events.push(e);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['error', 'response.failed']);
    const trace = await traceOf(stream.response.headers.get('x-gatehouse-trace-id')!);
    expect(trace.error_code).toBe('GH_ERR_UPSTREAM_ERROR');
  });

  it('a cut stream ends with the gateway\'s error + response.failed, numbered on', async () => {
    const events = await collect({ model: 'up/cut-stream', input: 'x' });
    expect(events.map((e) => e.type).slice(-2)).toEqual(['error', 'response.failed']);
    expect(events.at(-2)).toMatchObject({ code: 'GH_ERR_UPSTREAM_STREAM_CUT', sequence_number: 5 });
  });

  it('refuses a bad body in OpenAI\'s shape', async () => {
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' }, body: '{"input":"x"}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'GH_ERR_INVALID_REQUEST', param: 'model' } });
  });
});

describe('POST /v1/responses on a chat-completions provider (responses → chat)', () => {
  it('answers non-streamed with usage including reasoning tokens', async () => {
    const data = await gw.client.responses.create({ model: 'chat/gpt-4o-mini', instructions: 'be brief', input: 'hi chat' });
    expect(data.output_text).toBe('echo: hi chat');
    expect(data.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 0 }, input_tokens_details: { cached_tokens: 0 } });
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi chat' }] });
  });

  it('streams text as Responses events, ending in response.completed with usage', async () => {
    const events = await collect({ model: 'chat/gpt-4o-mini', input: 'stream chat' });
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    events.forEach((e, i) => expect(e.sequence_number).toBe(i));
    const response = completedOf(events);
    expect(response.usage!.input_tokens).toBeGreaterThan(0);
    expect(response.usage!.output_tokens_details.reasoning_tokens).toBe(0);
    expect(response.output_text ?? (response.output[0] as { content: { text: string }[] }).content[0]!.text).toBe('echo: stream chat');
  });

  it('streams a function call and sends its result back as a tool message', async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const events = await collect({ model: 'chat/tool-call', input: 'weather in Paris?', tools });
    const call = (events.find((e) => e.type === 'response.output_item.done') as OpenAI.Responses.ResponseOutputItemDoneEvent).item as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(events.filter((e) => e.type === 'response.function_call_arguments.delta').length).toBeGreaterThan(1);
    await gw.client.responses.create({
      model: 'chat/gpt-4o-mini',
      tools,
      input: [{ role: 'user', content: 'weather in Paris?' }, { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }, { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
    });
    expect((upstream.requests.at(-1)!.body as { messages: unknown[] }).messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: call.call_id, content: 'sunny' },
    ]);
  });

  it('the Codex 0.169 request reaches an openai-kind provider narrowed to chat as chat completions; the trace has the usage', async () => {
    const recorded = fixtureJson<{ body: Record<string, unknown> }>('responses/codex-0.169.0-request.json');
    const before = upstream.requests.length;
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...recorded.body, model: 'chat/gpt-4o-mini' }),
    });
    const text = await res.text();
    expect(text).toMatch(/event: response\.completed\ndata: .*"output_tokens_details":\{"reasoning_tokens":0\}/);
    const sent = upstream.requests.at(-1)!.body as { messages: { role: string }[]; tools: unknown[]; stream_options: unknown };
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'system', 'user', 'user']);
    expect(sent.stream_options).toEqual({ include_usage: true });
    // Translated, never tried on /responses first: the server has none.
    expect(upstream.requests.slice(before).map((r) => r.path)).toEqual(['/v1/chat/completions']);
    const trace = await traceOf(res.headers.get('x-gatehouse-trace-id')!);
    expect(trace).toMatchObject({ api: 'responses', status: 200, error_code: null });
    expect(trace.tokens_in).toBeGreaterThan(0);
  });

  it('provider errors: 429 keeps retry-after; an error chunk mid-stream becomes response.failed; a cut is reported', async () => {
    const err = (await gw.client.responses.create({ model: 'chat/rate-limit', input: 'x' }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('7');
    const failed = await collect({ model: 'chat/error-in-stream', input: 'x' });
    expect(failed.map((e) => e.type).slice(-2)).toEqual(['error', 'response.failed']);
    const cut = await collect({ model: 'chat/cut-stream', input: 'x' });
    expect(cut.at(-2)).toMatchObject({ type: 'error', code: 'GH_ERR_UPSTREAM_STREAM_CUT' });
    expect(cut.map((e) => e.type)).not.toContain('response.completed');
  });
});

describe('POST /v1/responses on the built-in demo provider', () => {
  it('works on a fresh install, streamed and not', async () => {
    const data = await gw.client.responses.create({ model: 'demo/echo', input: 'first run' });
    expect(data.output_text).toContain('first run');
    const events = await collect({ model: 'demo/echo', input: 'first run' });
    expect(events.at(-1)!.type).toBe('response.completed');
  });
});

describe('POST /v1/responses on an Anthropic Messages provider (responses → messages)', () => {
  it('answers non-streamed; the provider gets max_tokens and system blocks', async () => {
    const data = await gw.client.responses.create({ model: 'claude/claude-sonnet-4-5', instructions: 'be brief', input: 'hi claude' });
    expect(data.output_text).toBe('echo: hi claude');
    expect(data.usage).toEqual({ input_tokens: 121, input_tokens_details: { cached_tokens: 100 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 130 });
    expect(claude.requests.at(-1)!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 8192, system: [{ type: 'text', text: 'be brief' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi claude' }] }] });
  });

  it('streams thinking as reasoning, text, and a tool_use as a function call', async () => {
    const events = await collect({ model: 'claude/tool-call', input: 'weather?', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: false }] });
    const done = events.filter((e): e is OpenAI.Responses.ResponseOutputItemDoneEvent => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done).toMatchObject([
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants the weather.' }] },
      { type: 'message', content: [{ type: 'output_text', text: 'Checking the weather.' }] },
      { type: 'function_call', call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(completedOf(events).usage).toMatchObject({ input_tokens: 121, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 } });
    expect(claude.requests.at(-1)!.body.tools).toEqual([{ name: 'get_weather', input_schema: { type: 'object' } }]);
  });

  it('the Codex 0.169 request reaches Claude as Messages', async () => {
    const recorded = fixtureJson<{ body: Record<string, unknown> }>('responses/codex-0.169.0-request.json');
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...recorded.body, model: 'claude/claude-sonnet-4-5' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('event: response.completed');
    const sent = claude.requests.at(-1)!.body;
    expect((sent.tools as { name: string }[]).map((t) => t.name)).toContain('exec_command');
    expect(sent).not.toHaveProperty('include');
  });

  it('errors: 429 keeps retry-after; overloaded mid-stream becomes error + response.failed', async () => {
    const err = (await gw.client.responses.create({ model: 'claude/rate-limit', input: 'x' }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('9');
    expect(err.message).toContain('per-minute rate limit');
    const events = await collect({ model: 'claude/overloaded', input: 'x' });
    expect(events.slice(-2)).toMatchObject([{ type: 'error', code: 'overloaded_error', message: 'Overloaded' }, { type: 'response.failed' }]);
  });
});

describe('Cursor\'s agent: a Responses-shaped body (input, no messages) on /v1/chat/completions', () => {
  const post = (body: unknown) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('is answered as a Responses request and traced as one, passed through or translated', async () => {
    for (const [model, path] of [['up/gpt-4o-mini', '/v1/responses'], ['chat/gpt-4o-mini', '/v1/chat/completions']] as const) {
      const res = await post({ model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'from cursor' }] }] });
      expect(res.status).toBe(200);
      const body = (await res.json()) as OpenAI.Responses.Response;
      expect(body).toMatchObject({ object: 'response', status: 'completed' });
      const message = body.output.find((i) => i.type === 'message') as OpenAI.Responses.ResponseOutputMessage;
      expect(message.content[0]).toMatchObject({ type: 'output_text', text: 'echo: from cursor' });
      expect(upstream.requests.at(-1)!.path).toBe(path);
      expect(await traceOf(res.headers.get('x-gatehouse-trace-id')!)).toMatchObject({ api: 'responses', path: '/v1/chat/completions', status: 200 });
    }
  });

  it('streams Responses events', async () => {
    const res = await post({ model: 'chat/gpt-4o-mini', input: 'stream for cursor', stream: true });
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(text.startsWith('event: response.created\n')).toBe(true);
    expect(text).toMatch(/event: response\.completed\ndata: .*echo: stream for cursor/);
  });

  it('a bad body is refused in the terms of the API it is shaped as', async () => {
    const responsesShaped = (await (await post({ model: 'up/gpt-4o-mini', input: 42 })).json()) as { error: { code: string; message: string } };
    expect(responsesShaped.error).toMatchObject({ code: 'GH_ERR_INVALID_REQUEST', message: expect.stringContaining('input must be a string or an array of input items') });
    const neither = (await (await post({ model: 'up/gpt-4o-mini' })).json()) as { error: { code: string; message: string } };
    expect(neither.error).toMatchObject({ code: 'GH_ERR_INVALID_REQUEST', message: expect.stringContaining('field messages: missing: send the conversation as messages (or Responses-style as input') });
  });
});
