/**
 * Translation through the gateway with the official SDKs as clients: the Anthropic SDK on an
 * OpenAI-wire provider (messages → chat) and the openai SDK on an Anthropic provider
 * (chat → messages), streaming and not, tools included, errors in the caller's shape.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicClient, bothProviders, postRaw, traceOf } from './helpers/anthropic.js';
import { startGateway, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { drain, sseEvents } from './helpers/sse.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

let claude: AnthropicStandin;
let openai: OpenAIStandin;
let gw: TestGateway;
let anthropic: Anthropic;

beforeAll(async () => {
  claude = await startAnthropicStandin({ apiKey: UPSTREAM_KEY });
  openai = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway(bothProviders(claude.url, openai.url));
  anthropic = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  await claude.close();
  await openai.close();
});

type Json = Record<string, unknown>;
const lastChat = () => openai.requests.at(-1)!;
const lastMessages = () => claude.requests.at(-1)!;
const weatherTool = { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

describe('Anthropic SDK → OpenAI-wire provider (messages → chat)', () => {
  it('answers a non-streamed request in the Messages shape, with usage', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: 'up/gpt-4o-mini', max_tokens: 200, system: [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: 'up/gpt-4o-mini', content: [{ type: 'text', text: 'echo: hello there' }], stop_reason: 'end_turn' });
    expect(data.id).toMatch(/^msg_/);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(lastChat().path).toBe('/v1/chat/completions');
    expect(lastChat().body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }], max_completion_tokens: 200 });
    expect(lastChat().headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    const trace = await traceOf(gw, response.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ api: 'messages', provider: 'up', status: 200, tokens_in: data.usage.input_tokens, tokens_out: data.usage.output_tokens });
  });

  it('streams event by event in the order Claude Code expects', async () => {
    const stream = await anthropic.messages.create({ model: 'up/gpt-4o-mini', max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const { items, error } = await drain(stream);
    expect(error).toBeNull();
    expect(items.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      ...Array(4).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const text = items.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [])).join('');
    expect(text).toBe('echo: one two three');
    const delta = items.find((e) => e.type === 'message_delta')!;
    expect(delta).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } });
    expect((delta as { usage: { input_tokens: number } }).usage.input_tokens).toBeGreaterThan(0);
    expect(lastChat().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streams a tool call the SDK assembles, and sends the tool result back as a tool message', async () => {
    const msg = await anthropic.messages.stream({ model: 'up/tool-call', max_tokens: 200, tools: [weatherTool], messages: [{ role: 'user', content: 'weather in Paris?' }] }).finalMessage();
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^call_/), name: 'get_weather', input: { city: 'Paris' } }]);
    expect((lastChat().body as Json).tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: weatherTool.input_schema } }]);

    const toolUse = msg.content[0] as Anthropic.ToolUseBlock;
    const next = await anthropic.messages.create({
      model: 'up/gpt-4o-mini',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: msg.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: toolUse.id, content: '18°C and sunny' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'text', text: 'what about this map?' },
          ],
        },
      ],
    });
    expect(next.content).toEqual([{ type: 'text', text: 'echo: what about this map?' }]);
    expect((lastChat().body as { messages: Json[] }).messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: toolUse.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: toolUse.id, content: '18°C and sunny' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'text', text: 'what about this map?' }] },
    ]);
  });

  it('answers a non-streamed tool call with a tool_use block', async () => {
    const msg = await anthropic.messages.create({ model: 'up/tool-call', max_tokens: 200, tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Paris?' }] });
    expect(msg).toMatchObject({ stop_reason: 'tool_use', content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }] });
    expect((lastChat().body as Json).tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
  });

  it('an upstream 429 reaches the Anthropic client as a rate_limit_error with its retry-after', async () => {
    const err = (await anthropic.messages.create({ model: 'up/rate-limit', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('Rate limit reached') } });
  });

  it('an error mid-stream becomes one Anthropic error event; a cut stream ends with one too', async () => {
    const failing = await postRaw(gw, '/v1/messages', JSON.stringify({ model: 'up/error-in-stream', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'a b c' }] }));
    const events = sseEvents(failing.text);
    expect(events.filter((e) => e.event === 'error')).toHaveLength(1);
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('The server had an error') } });
    expect(events.map((e) => e.event)).not.toContain('message_stop');
    const trace = await traceOf(gw, failing.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_ERROR' });

    const cut = await anthropic.messages.create({ model: 'up/cut-stream', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'a b c d e' }] });
    const { items, error } = await drain(cut);
    expect(items[0]!.type).toBe('message_start');
    expect(items.map((e) => e.type)).not.toContain('message_stop');
    expect(error).toBeInstanceOf(Anthropic.APIError);
  });

  it('reaches the built-in demo provider, so a first run works with no provider configured', async () => {
    const msg = await anthropic.messages.stream({ model: 'demo/echo', max_tokens: 100, messages: [{ role: 'user', content: 'hi demo' }] }).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: expect.stringContaining('You said: "hi demo"') }]);
    expect(msg.stop_reason).toBe('end_turn');
  });

  it('counts tokens by estimate', async () => {
    const res = await anthropic.messages.countTokens({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], tools: [weatherTool] });
    expect(res.input_tokens).toBeGreaterThan(5);
  });
});

describe('openai SDK → Anthropic provider (chat → messages)', () => {
  const chat = () => gw.client.chat.completions;

  it('answers a non-streamed request in the chat shape, sending a proper Messages request', async () => {
    const res = await chat().create({ model: 'claude/claude-sonnet-4-5', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi claude' }] });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'echo: hi claude' }, finish_reason: 'stop' });
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(lastMessages().path).toBe('/v1/messages');
    expect(lastMessages().headers['anthropic-version']).toBe('2023-06-01');
    expect(lastMessages().headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(lastMessages().body).toEqual({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi claude' }] }], system: [{ type: 'text', text: 'be brief' }], max_tokens: 4096 });
  });

  it('streams chunks, and the usage chunk only to a client that asked for it', async () => {
    const plain = await drain(await chat().create({ model: 'claude/claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'one two' }] }));
    expect(plain.error).toBeNull();
    expect(plain.items.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: one two');
    expect(plain.items.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(plain.items.every((c) => !c.usage)).toBe(true);

    const withUsage = await drain(await chat().create({ model: 'claude/claude-sonnet-4-5', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two' }] }));
    const usage = withUsage.items.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: 3 });
    expect(usage.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams a tool call by index with its arguments, and answers one non-streamed', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: weatherTool.input_schema } }];
    const { items } = await drain(await chat().create({ model: 'claude/tool-use', stream: true, tools, messages: [{ role: 'user', content: 'Paris?' }] }));
    const calls = items.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^toolu_/), type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(JSON.parse(calls.map((c) => c.function?.arguments ?? '').join(''))).toEqual({ city: 'Paris' });
    expect(items.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Let me check the weather.');
    expect(items.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect((lastMessages().body as Json).tools).toEqual([{ name: 'get_weather', input_schema: weatherTool.input_schema }]);

    const res = await chat().create({ model: 'claude/tool-use', tools, messages: [{ role: 'user', content: 'Paris?' }] });
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.choices[0]!.message.tool_calls![0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
  });

  it('sends tool results and images as Messages blocks', async () => {
    const res = await chat().create({
      model: 'claude/claude-sonnet-4-5',
      messages: [
        { role: 'user', content: 'Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'text', text: 'and this?' }] },
      ],
    });
    expect(res.choices[0]!.message.content).toBe('echo: 18°C and this?');
    expect((lastMessages().body as { messages: Json[] }).messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'text', text: 'and this?' },
        ],
      },
    ]);
  });

  it('errors reach the chat client in the OpenAI shape: 429 with retry-after, overloaded mid-stream, a cut stream', async () => {
    const limited = (await chat().create({ model: 'claude/rate-limit', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers?.get('retry-after')).toBe('7');
    expect(limited.error).toMatchObject({ type: 'rate_limit_error', code: 'GH_ERR_UPSTREAM_ERROR' });

    const over = await drain(await chat().create({ model: 'claude/overloaded-in-stream', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    expect(over.items.length).toBeGreaterThan(0);
    expect(over.error).toBeInstanceOf(OpenAI.APIError);
    expect(String(over.error)).toContain('Overloaded');

    const cut = await drain(await chat().create({ model: 'claude/cut-stream', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    expect(cut.error).toBeInstanceOf(OpenAI.APIError);
    expect(String(cut.error)).toMatch(/before the (stream|response) was complete/);
  });

  it('refuses what Messages cannot express with a 400 that says so', async () => {
    const err = (await chat()
      .create({ model: 'claude/claude-sonnet-4-5', n: 2, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'GH_ERR_UNTRANSLATABLE', message: expect.stringContaining('n > 1') });
  });
});
