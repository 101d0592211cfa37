import { describe, expect, it } from 'vitest';
import { fixture, sseEvents } from '../../test/helpers/sse.js';
import { GatehouseError } from '../core/errors.js';
import { upstreamErrorResponse } from '../providers/http.js';
import { anthropicErrorBody, messagesStreamFilter } from './anthropic.js';
import { estimateInputTokens } from './token-estimate.js';

/** The raw events of a transcript, each with its blank line, as the relay hands them over. */
const rawEvents = (text: string) => text.split(/(?<=\n\n)/).filter(Boolean);

describe('Messages stream filter', () => {
  it('relays every event unchanged, merges usage from message_start and message_delta, completes at message_stop', () => {
    const f = messagesStreamFilter();
    const text = fixture('anthropic-messages-stream-thinking.sse');
    const out = rawEvents(text).map((ev) => f.event(ev));
    expect(out.join('')).toBe(text);
    expect(f.complete).toBe(true);
    expect(f.error).toBeNull();
    // input 85 from message_start; output 143 from message_delta, replacing message_start's 1.
    expect(f.usage).toEqual({ input: 85, output: 143, cached: 0, reasoning: null });
  });

  it('counts cache reads and writes into the input and reports the reads as cached', () => {
    const f = messagesStreamFilter();
    for (const ev of rawEvents(fixture('anthropic-messages-stream-tool-use.sse'))) f.event(ev);
    expect(f.usage).toEqual({ input: 472 + 2048, output: 89, cached: 2048, reasoning: null });
  });

  it('reads thinking tokens where Anthropic reports them (output_tokens_details) as reasoning', () => {
    const f = messagesStreamFilter();
    f.event(`event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"output_tokens":1}}}\n\n`);
    f.event(`event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":30,"output_tokens_details":{"thinking_tokens":12}}}\n\n`);
    expect(f.usage).toEqual({ input: 10, output: 30, cached: null, reasoning: 12 });
  });

  it('records an error event and is not complete without message_stop', () => {
    const f = messagesStreamFilter();
    for (const ev of rawEvents(fixture('anthropic-messages-stream-overloaded.sse'))) f.event(ev);
    expect(f.complete).toBe(false);
    expect(f.error).toBe('overloaded_error: Overloaded');
  });

  it('tells a failure as an Anthropic error event', () => {
    const ev = messagesStreamFilter().errorEvent(new GatehouseError('GH_ERR_UPSTREAM_STREAM_CUT', 'cut: retry'));
    expect(sseEvents(ev)).toEqual([{ event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'cut: retry' } }) }]);
  });
});

describe('Anthropic error body', () => {
  it.each([
    [new GatehouseError('GH_ERR_INVALID_REQUEST', 'm'), 'invalid_request_error'],
    [new GatehouseError('GH_ERR_UNAUTHORIZED', 'm'), 'authentication_error'],
    [new GatehouseError('GH_ERR_FORBIDDEN_ORIGIN', 'm'), 'permission_error'],
    [new GatehouseError('GH_ERR_UNKNOWN_MODEL', 'm'), 'not_found_error'],
    [new GatehouseError('GH_ERR_BODY_TOO_LARGE', 'm'), 'request_too_large'],
    [upstreamErrorResponse('p', 429, { 'retry-after': '3' }, '{"error":{"message":"slow down","type":"requests"}}'), 'rate_limit_error'],
    [upstreamErrorResponse('p', 500, {}, 'boom'), 'api_error'],
    [upstreamErrorResponse('p', 529, {}, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'), 'overloaded_error'],
    [new GatehouseError('GH_ERR_UPSTREAM_TIMEOUT', 'm'), 'api_error'],
  ])('%s is a %s', (err, type) => {
    expect(anthropicErrorBody(err)).toEqual({ type: 'error', error: { type, message: err.message } });
  });
});

describe('token estimate', () => {
  it('counts system, messages and tools at about four characters a token, images at 1,600', () => {
    const text = { model: 'm', system: 'x'.repeat(400), messages: [{ role: 'user', content: 'y'.repeat(400) }] };
    const n = estimateInputTokens(text);
    expect(n).toBeGreaterThanOrEqual(200);
    expect(n).toBeLessThan(220);
    const withImage = { ...text, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'z'.repeat(100_000) } }] }] };
    expect(estimateInputTokens(withImage)).toBeLessThan(1600 + 120);
    expect(estimateInputTokens({ ...text, tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }] })).toBeGreaterThan(n);
  });
});
