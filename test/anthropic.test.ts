/**
 * The Messages API through the gateway to an Anthropic provider (pass-through), with the
 * official Anthropic SDK as the client and the Anthropic stand-in as the upstream.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain, fixture, sseEvents } from './helpers/sse.js';
import { anthropicClient, bothProviders, postRaw, traceOf } from './helpers/anthropic.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { THINKING_SIGNATURE } from './standins/anthropic-wire.js';

let claude: AnthropicStandin;
let openai: OpenAIStandin;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  claude = await startAnthropicStandin({ apiKey: UPSTREAM_KEY });
  openai = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway(bothProviders(claude.url, openai.url));
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  await claude.close();
  await openai.close();
});

const last = () => claude.requests.at(-1)!;
const hello = [{ role: 'user' as const, content: 'hello gateway' }];

describe('Messages pass-through to an Anthropic provider', () => {
  it('answers a non-streamed request, with the provider key upstream and never the local token', async () => {
    const { data, response } = await client.messages.create({ model: 'claude/claude-sonnet-4-5', max_tokens: 100, messages: hello }).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'echo: hello gateway' }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(last().path).toBe('/v1/messages');
    expect(last().headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(last().headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(last().headers)).not.toContain(TEST_TOKEN);
    expect((last().body as { model: string }).model).toBe('claude-sonnet-4-5');
    expect(JSON.parse(last().sent)).toEqual(data);
    const trace = await traceOf(gw, response.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ api: 'messages', provider: 'claude', status: 200, tokens_in: data.usage.input_tokens, tokens_out: data.usage.output_tokens });
  });

  it('relays a stream byte for byte, and the SDK sees every event the provider sent', async () => {
    const body = JSON.stringify({ model: 'claude/claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const raw = await postRaw(gw, '/v1/messages', body);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(raw.text).toBe(last().sent);

    const stream = await client.messages.create({ model: 'claude/claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const { items, error } = await drain(stream);
    expect(error).toBeNull();
    // The SDK hides pings from its iterator; every other event arrives as sent.
    const sent = sseEvents(last().sent).map((e) => JSON.parse(e.data) as { type: string });
    expect(sent.map((e) => e.type)).toContain('ping');
    expect(items).toEqual(sent.filter((e) => e.type !== 'ping'));
  });

  it("forwards the client's anthropic-version, and sends the default when the client sent none", async () => {
    const body = JSON.stringify({ model: 'claude/claude-sonnet-4-5', max_tokens: 10, messages: hello });
    await postRaw(gw, '/v1/messages', body, { 'anthropic-version': '2023-01-01' });
    expect(last().headers['anthropic-version']).toBe('2023-01-01');
    const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': TEST_TOKEN }, body });
    expect(res.status).toBe(200);
    expect(last().headers['anthropic-version']).toBe('2023-06-01');
    expect(last().headers['anthropic-beta']).toBeUndefined();
  });

  it("sends Claude Code's request upstream byte-identical but for the model, with its version and betas", async () => {
    const cc = JSON.parse(fixture('claude-code-2.1.197-messages.json')) as { headers: Record<string, string>; body: Record<string, unknown> };
    const text = JSON.stringify({ ...cc.body, model: 'claude/claude-opus-4-8' }, null, 1);
    const { 'x-api-key': _key, 'accept-encoding': _enc, ...headers } = cc.headers;
    const raw = await postRaw(gw, '/v1/messages', text, headers);
    expect(raw.status).toBe(200);
    expect(last().text).toBe(text.replace('"model": "claude/claude-opus-4-8"', '"model":"claude-opus-4-8"'));
    expect(last().headers['anthropic-beta']).toBe(cc.headers['anthropic-beta']);
    expect(last().headers['anthropic-version']).toBe(cc.headers['anthropic-version']);
    expect(last().headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(raw.text).toBe(last().sent);
    expect(raw.text).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
    // Cache reads are counted: the stand-in reads three quarters of a cache_control'ed prompt.
    const trace = await traceOf(gw, raw.headers.get('x-gatehouse-trace-id'));
    expect(trace.tokens_cached).toBeGreaterThan(0);
    expect(trace.tokens_in).toBeGreaterThan(trace.tokens_cached!);
  });

  it('streams a tool call the SDK assembles into its input', async () => {
    const msg = await client.messages
      .stream({ model: 'claude/tool-use', max_tokens: 100, messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }] })
      .finalMessage();
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content[0]).toEqual({ type: 'text', text: 'Let me check the weather.' });
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
  });

  it('keeps thinking blocks with their signatures', async () => {
    const msg = await client.messages.stream({ model: 'claude/thinking', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: hello }).finalMessage();
    expect(msg.content[0]).toMatchObject({ type: 'thinking', signature: THINKING_SIGNATURE });
    expect((last().body as { thinking: unknown }).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  it('counts tokens with the provider', async () => {
    const res = await client.messages.countTokens({ model: 'claude/claude-sonnet-4-5', messages: hello, system: 'be brief' });
    expect(last().path).toBe('/v1/messages/count_tokens');
    expect(res).toEqual(JSON.parse(last().sent));
  });

  it('estimates tokens for a provider that cannot count, rather than failing', async () => {
    const { data, response } = await client.messages.countTokens({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(400) }] }).withResponse();
    expect(data.input_tokens).toBeGreaterThanOrEqual(100);
    expect(data.input_tokens).toBeLessThan(120);
    expect(response.headers.get('x-gatehouse-estimate')).toBe('true');
    expect(openai.requests.some((r) => r.path.includes('count'))).toBe(false);
  });

  it("lists the provider's models under their gateway names", async () => {
    const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['claude/claude-sonnet-4-5', 'claude/claude-opus-4-8']));
  });
});

describe('errors in the Anthropic shape', () => {
  it('a missing or wrong local token is an authentication_error', async () => {
    const raw = await postRaw(gw, '/v1/messages', JSON.stringify({ model: 'claude/x', max_tokens: 1, messages: hello }), { 'x-api-key': 'wrong' });
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.text)).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('gatehouse token') } });
    const bad = new Anthropic({ apiKey: 'wrong', baseURL: gw.url, maxRetries: 0 });
    await expect(bad.messages.create({ model: 'claude/x', max_tokens: 1, messages: hello })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('bad input is an invalid_request_error naming the field; an unknown model a not_found_error', async () => {
    const raw = await postRaw(gw, '/v1/messages', JSON.stringify({ model: 'claude/x', messages: hello }));
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
    const err = await client.messages.create({ model: 'nowhere/x', max_tokens: 1, messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('an upstream 429 stays a rate_limit_error with its retry-after; a 529 stays overloaded', async () => {
    const err = await client.messages.create({ model: 'claude/rate-limit', max_tokens: 1, messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect(e.headers?.get('retry-after')).toBe('7');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('rate limit') } });
    const over = (await client.messages.create({ model: 'claude/overloaded', max_tokens: 1, messages: hello }).catch((x: unknown) => x)) as InstanceType<typeof Anthropic.APIError>;
    expect(over.status).toBe(529);
    expect(over.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it("a provider's overloaded_error mid-stream reaches the client once, and the trace names it", async () => {
    const raw = await postRaw(gw, '/v1/messages', JSON.stringify({ model: 'claude/overloaded-in-stream', max_tokens: 10, stream: true, messages: hello }));
    expect(raw.text).toBe(last().sent);
    expect(raw.text.match(/event: error/g)).toHaveLength(1);
    const trace = await traceOf(gw, raw.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_ERROR' });
    expect(trace.error_message).toContain('overloaded_error');

    const stream = await client.messages.create({ model: 'claude/overloaded-in-stream', max_tokens: 10, stream: true, messages: hello });
    const { items, error } = await drain(stream);
    expect(items.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(String(error)).toContain('Overloaded');
  });

  it('a stream the provider cuts ends with an Anthropic error event the SDK raises', async () => {
    const raw = await postRaw(gw, '/v1/messages', JSON.stringify({ model: 'claude/cut-stream', max_tokens: 10, stream: true, messages: hello }));
    const events = sseEvents(raw.text);
    expect(events.at(-1)!.event).toBe('error');
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(/before the (stream|response) was complete/) } });
    expect(raw.text.startsWith(last().sent)).toBe(true);
    const { error } = await drain(await client.messages.create({ model: 'claude/cut-stream', max_tokens: 10, stream: true, messages: hello }));
    expect(error).toBeInstanceOf(Anthropic.APIError);
  });
});
