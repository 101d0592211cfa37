import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * The `fetch` the SDK client uses toward one HTTP upstream: node:http on a keep-alive agent of
 * its own, so the connection stays warm between calls and closes with the upstream.
 *
 * Why not the global fetch: on a small tool call it was the gateway's largest cost (undici
 * builds a `Request`, a body stream it then tees, and a follower `AbortSignal` per call, and
 * scans the listeners of the SDK transport's long-lived signal, which only garbage
 * collection ever empties). This one writes the request in one go, listens on the signal
 * only while its exchange runs, and caps the answer on the socket's own chunks.
 *
 * Redirects are never followed here: the SDK passes `redirect: 'manual'` and follows those
 * it allows itself.
 */
export interface UpstreamHttp {
  fetch: typeof fetch;
  /** Drops the kept-alive connections. */
  close(): void;
}

const NO_BODY = new Set([101, 204, 205, 304]);

export function upstreamHttp(maxBytes: number, onTooLarge: () => void): UpstreamHttp {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const tooLarge = () => new Error(`answer too large: over ${maxBytes} bytes`);

  const fetchFn = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) return Promise.reject(new TypeError('upstream fetch takes a URL, not a Request'));
    const url = typeof input === 'string' ? new URL(input) : input;
    const body = bodyOf(init.body);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const headers = headersOf(init.headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const secure = url.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, { method: init.method ?? 'GET', headers, agent: secure ? agents.https : agents.http });
      let res: IncomingMessage | null = null;
      // Listened to only while the exchange runs: the SDK hands every request the same transport-wide signal.
      const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
      const done = () => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('error', (err) => {
        done();
        if (!res) reject(signal?.aborted ? signal.reason : err);
      });
      req.once('response', (r) => {
        res = r;
        let stream: ReadableStream<Uint8Array> | null = null;
        if (NO_BODY.has(r.statusCode ?? 0)) {
          r.resume();
          done();
        } else stream = streamOf(r, maxBytes, tooLarge, onTooLarge, done);
        resolve(new Response(stream, { status: r.statusCode, statusText: r.statusMessage, headers: responseHeaders(r) }));
      });
      req.end(body);
    });
  };
  return {
    fetch: fetchFn as typeof fetch,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** The body as the socket delivers it, ending in an error past `max` bytes (so an upstream cannot fill the gateway's memory). */
function streamOf(res: IncomingMessage, max: number, tooLarge: () => Error, onTooLarge: () => void, done: () => void): ReadableStream<Uint8Array> {
  let seen = 0;
  let open = true;
  const finish = () => {
    open = false;
    done();
  };
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      res.on('data', (chunk: Buffer) => {
        if (!open) return;
        seen += chunk.byteLength;
        if (seen > max) {
          finish();
          ctl.error(tooLarge());
          res.destroy();
          onTooLarge();
          return;
        }
        ctl.enqueue(chunk);
      });
      res.once('end', () => {
        if (!open) return;
        finish();
        ctl.close();
      });
      // A socket that closes before the end of the answer (a crash, a reset, the signal).
      res.once('close', () => {
        if (!open) return;
        finish();
        ctl.error(res.errored ?? new Error('the upstream closed the connection before the end of its answer'));
      });
    },
    cancel() {
      finish();
      res.destroy();
    },
  });
}

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('upstream fetch sends a string, bytes or form body only');
}

function headersOf(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else for (const [k, v] of Array.isArray(h) ? h : Object.entries(h)) out[String(k).toLowerCase()] = String(v);
  return out;
}

function responseHeaders(res: IncomingMessage): Headers {
  const h = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!);
  return h;
}
