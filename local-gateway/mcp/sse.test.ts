import { describe, expect, it } from 'vitest';
import { collapseAnswer, endsEvent, singleMessageData, type JsonAnswer } from './sse.js';

const enc = new TextEncoder();
const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'mcp-session-id': 's-1' };

/** An SSE answer whose chunks come as `push` is called, the way the SDK transport writes them. */
function pushed() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return { response: new Response(body, { status: 200, headers: sseHeaders }), push: (s: string) => ctl.enqueue(enc.encode(s)), end: () => ctl.close() };
}

const read = async (r: Response) => r.text();

describe('singleMessageData', () => {
  it.each([
    ['event: message\ndata: {"id":1}\n\n', '{"id":1}'],
    ['data: {"id":1}\r\n\r\n', '{"id":1}'],
    ['data:{"id":1}\n\n', '{"id":1}'],
    ['id: 5\ndata: \n\nevent: message\nid: 6\ndata: {"id":1}\n\n', '{"id":1}'],
    [': keepalive\n\ndata: a\ndata: b\n\n', 'a\nb'],
  ])('finds the one message in %j', (text, data) => {
    expect(singleMessageData(text)).toBe(data);
  });

  it.each([
    ['two messages', 'data: {"method":"notifications/progress"}\n\ndata: {"id":1}\n\n'],
    ['another event type', 'event: other\ndata: {"id":1}\n\n'],
    ['an event an SSE reader drops (no blank line after it)', 'data: {"id":1}\n'],
    ['no message at all', ': keepalive\n\n'],
  ])('collapses nothing with %s', (_what, text) => {
    expect(singleMessageData(text)).toBeNull();
  });
});

describe('endsEvent', () => {
  it('sees a blank line within a chunk and across two', () => {
    expect(endsEvent(new Uint8Array(), enc.encode('data: x\n\n'))).toBe(true);
    expect(endsEvent(enc.encode('x\n'), enc.encode('\n'))).toBe(true);
    expect(endsEvent(enc.encode('x\r\n'), enc.encode('\r\n'))).toBe(true);
    expect(endsEvent(enc.encode('x\n'), enc.encode('data: y\n'))).toBe(false);
  });
});

describe('collapseAnswer', () => {
  it('answers with JSON, session id kept, when the stream holds one message and ends in its turn', async () => {
    const s = pushed();
    const answer = collapseAnswer(s.response, new AbortController().signal);
    s.push('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');
    s.end();
    const a = (await answer) as JsonAnswer;
    expect(a).not.toBeInstanceOf(Response);
    expect(a.json).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(a.headers.get('mcp-session-id')).toBe('s-1');
  });

  it('passes a stream that goes on (progress first) as it comes, from its first byte', async () => {
    const s = pushed();
    const answer = collapseAnswer(s.response, new AbortController().signal);
    s.push('event: message\ndata: {"method":"notifications/progress"}\n\n');
    const r = (await answer) as Response;
    expect(r).toBeInstanceOf(Response);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    s.push('event: message\ndata: {"id":1,"result":{}}\n\n');
    s.end();
    expect(await read(r)).toBe('event: message\ndata: {"method":"notifications/progress"}\n\nevent: message\ndata: {"id":1,"result":{}}\n\n');
  });

  it('keeps a stream of two messages ending together an event stream', async () => {
    const s = pushed();
    const answer = collapseAnswer(s.response, new AbortController().signal);
    s.push('data: {"method":"notifications/message"}\n\n');
    s.push('data: {"id":1,"result":{}}\n\n');
    s.end();
    const r = (await answer) as Response;
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    expect(await read(r)).toBe('data: {"method":"notifications/message"}\n\ndata: {"id":1,"result":{}}\n\n');
  });

  it('leaves a JSON answer as it is, and drops the stream when the client hangs up before it', async () => {
    const json = Response.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'no' } }, { status: 400 });
    expect(await collapseAnswer(json, new AbortController().signal)).toBe(json);
    const s = pushed();
    const hangUp = new AbortController();
    const answer = collapseAnswer(s.response, hangUp.signal);
    hangUp.abort();
    const a = await answer;
    // Nothing was read: the cancelled stream ends empty, with nothing to collapse.
    expect(a).toBeInstanceOf(Response);
    expect(await read(a as Response)).toBe('');
    expect(() => s.push('data: late\n\n')).toThrow();
  });
});
