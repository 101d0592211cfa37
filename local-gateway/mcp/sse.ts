/**
 * A Streamable HTTP answer to a POST may be JSON or an SSE stream; a client must take both.
 * When a stream turns out to hold one `message` event and nothing else, the gateway passes
 * it on as JSON: the same message, without the SSE machinery at either end (on a small tool
 * call, parsing an SSE answer costs its reader more than the message itself). Both the front
 * (toward the IDE) and the upstream fetch (from an MCP server) use this.
 */

/**
 * The data of `text` when it is a complete SSE stream of exactly one `message` event
 * (comments, `id`, `retry` and data-less events aside, as the SDK's reader skips them too);
 * otherwise null. An event not ended by a blank line is dropped by an SSE reader, so a
 * stream ending in one is not collapsed.
 */
export function singleMessageData(text: string): string | null {
  const norm = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  if (!norm.endsWith('\n\n')) return null;
  const lines = norm.split('\n');
  let found: string | null = null;
  let data: string[] | null = null;
  let type = 'message';
  for (const line of lines) {
    if (line === '') {
      if (data !== null && data.join('\n') !== '') {
        if (found !== null || type !== 'message') return null;
        found = data.join('\n');
      }
      data = null;
      type = 'message';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'data') (data ??= []).push(value);
    else if (field === 'event') type = value;
  }
  return found;
}

/** Whether `bytes` (following `before`, the previous chunk's last bytes) holds the blank line that ends an SSE event. */
export function endsEvent(before: Uint8Array, bytes: Uint8Array): boolean {
  const head = Buffer.concat([before, bytes.subarray(0, 3)]);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.includes('\n\n') || b.includes('\r\n\r\n') || b.includes('\r\r') || head.includes('\n\n') || head.includes('\r\n\r\n') || head.includes('\r\r');
}

/** A collapsed answer: one JSON-RPC message, for the route to write with its length in one go. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  json: string;
}

const TURN = Symbol('turn');
const endOfTurn = () => new Promise<typeof TURN>((resolve) => setImmediate(resolve, TURN));

/**
 * The SDK transport's answer to a POST, collapsed to JSON when its SSE stream held one
 * message and ended in the same turn as it (an answer with nothing before it: no progress,
 * no question to the client). A stream that goes on past that turn is passed on as it comes,
 * from its first byte. `signal` is the client hanging up, which drops the stream.
 */
export async function collapseAnswer(response: Response, signal: AbortSignal): Promise<Response | JsonAnswer> {
  if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  const reader = response.body.getReader();
  const drop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', drop, { once: true });
  const chunks: Uint8Array[] = [];
  try {
    let next = reader.read();
    for (;;) {
      const r = chunks.length === 0 ? await next : await Promise.race([next, endOfTurn()]);
      if (r === TURN) break;
      if (r.done) {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = singleMessageData(text);
        if (json === null) return new Response(text, { status: response.status, headers: response.headers });
        const headers = new Headers(response.headers);
        headers.set('content-type', 'application/json');
        headers.delete('cache-control');
        headers.delete('x-accel-buffering');
        headers.delete('connection');
        return { status: response.status, headers, json };
      }
      chunks.push(r.value);
      next = reader.read();
    }
    // It goes on (progress, a question to the client): what was read first, then the rest as it comes.
    let pending: typeof next | null = next;
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (const c of chunks) ctl.enqueue(c);
      },
      async pull(ctl) {
        const r = await (pending ?? reader.read());
        pending = null;
        if (r.done) ctl.close();
        else ctl.enqueue(r.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  } finally {
    signal.removeEventListener('abort', drop);
  }
}
