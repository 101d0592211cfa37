import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { endsEvent, singleMessageData } from './sse.js';

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

const NO_BODY = new Set([204, 205, 304]);

export function upstreamHttp(maxBytes: number, onTooLarge: () => void): UpstreamHttp {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const tooLarge = () => new Error(`answer too large: over ${maxBytes} bytes`);
  const aborts = new SharedAbort();

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
      let answered = false;
      // Listened to only while the exchange runs: the SDK hands every request the same transport-wide signal.
      const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
      const done = signal ? aborts.watch(signal, onAbort) : () => undefined;
      req.on('error', (err) => {
        done();
        if (!answered) reject(signal?.aborted ? signal.reason : err);
      });
      req.once('response', (res) => {
        // A status no `Response` can carry is a broken upstream, not a reason to throw in an event handler.
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599) {
          res.destroy();
          done();
          reject(new Error(`the upstream answered with HTTP status ${status}`));
          return;
        }
        const head: ResponseInit = { status: res.statusCode, statusText: res.statusMessage, headers: responseHeaders(res) };
        if (NO_BODY.has(res.statusCode ?? 0)) {
          answered = true;
          res.resume();
          done();
          resolve(new Response(null, head));
          return;
        }
        // A POST's event stream may turn out to hold only its answer: then it is handed over as JSON.
        const collapse = init.method === 'POST' && res.statusCode === 200 && (res.headers['content-type'] ?? '').startsWith('text/event-stream');
        readAnswer(res, head, collapse, { max: maxBytes, tooLarge, onTooLarge, done }).then(
          (r) => {
            answered = true;
            resolve(r);
          },
          (err: unknown) => reject(signal?.aborted ? signal.reason : err),
        );
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

interface Cap {
  max: number;
  tooLarge(): Error;
  onTooLarge(): void;
  /** The exchange is over (ended, failed or dropped). */
  done(): void;
}

/**
 * The answer, its body as the socket delivers it, ending in an error past `cap.max` bytes (so
 * an upstream cannot fill the gateway's memory). With `collapse`, an event stream is held
 * until it either ends (one message: answered as JSON, see `singleMessageData`) or goes on
 * past the turn of a complete event (progress, a question): then it is streamed from its
 * first byte.
 */
function readAnswer(res: IncomingMessage, head: ResponseInit, collapse: boolean, cap: Cap): Promise<Response> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let open = true;
    let holding = collapse;
    const held: Buffer[] = [];
    let tail: Uint8Array = Buffer.alloc(0);
    let turnAsked = false;
    let ctl: ReadableStreamDefaultController<Uint8Array> | null = null;
    const stop = () => {
      open = false;
      cap.done();
    };
    const fail = (err: Error) => {
      if (!open) return;
      stop();
      if (holding) reject(err);
      else ctl?.error(err);
    };
    const release = () => {
      holding = false;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          ctl = c;
          for (const b of held) c.enqueue(b);
          held.length = 0;
        },
        cancel() {
          stop();
          res.destroy();
        },
      });
      resolve(new Response(body, head));
    };
    if (!holding) release();
    res.on('data', (chunk: Buffer) => {
      if (!open) return;
      seen += chunk.byteLength;
      if (seen > cap.max) {
        res.destroy();
        cap.onTooLarge();
        fail(cap.tooLarge());
        return;
      }
      if (!holding) return void ctl?.enqueue(chunk);
      held.push(chunk);
      if (!turnAsked && endsEvent(tail, chunk)) {
        turnAsked = true;
        setImmediate(() => {
          turnAsked = false;
          if (open && holding) release();
        });
      }
      tail = chunk.subarray(-3);
    });
    res.once('end', () => {
      if (!open) return;
      stop();
      if (!holding) return void ctl?.close();
      const text = Buffer.concat(held).toString('utf8');
      const json = singleMessageData(text);
      if (json === null) return resolve(new Response(text, head));
      const headers = new Headers(head.headers);
      headers.set('content-type', 'application/json');
      resolve(new Response(json, { ...head, headers }));
    });
    // Failures come through 'close' (with `errored`), so an 'error' needs no handling of its own.
    res.on('error', () => undefined);
    // A socket that closes before the end of the answer: a crash, a reset, the signal.
    res.once('close', () => fail(res.errored ?? new Error('the upstream closed the connection before the end of its answer')));
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
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      h.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header the global fetch would refuse too: left out rather than failing the answer.
    }
  }
  return h;
}

/**
 * One listener on a signal for all the exchanges running under it. The SDK hands every request
 * of a transport the same signal, and calls parked on their client's answer keep their
 * exchanges (the upstream's event streams) open: a listener each would pass Node's
 * MaxListeners (10) with as many parked calls, a warning and nothing else wrong.
 */
export class SharedAbort {
  private readonly watched = new WeakMap<AbortSignal, { handlers: Set<() => void>; off: () => void }>();

  /** Calls `onAbort` if `signal` aborts before the returned unwatch is called. */
  watch(signal: AbortSignal, onAbort: () => void): () => void {
    let entry = this.watched.get(signal);
    if (!entry) {
      const handlers = new Set<() => void>();
      const fire = () => {
        this.watched.delete(signal);
        for (const f of handlers) f();
      };
      signal.addEventListener('abort', fire, { once: true });
      entry = { handlers, off: () => signal.removeEventListener('abort', fire) };
      this.watched.set(signal, entry);
    }
    const own = entry;
    own.handlers.add(onAbort);
    // The one listener goes when its last exchange ends, so an idle signal holds none.
    return () => {
      if (!own.handlers.delete(onAbort) || own.handlers.size > 0) return;
      own.off();
      if (this.watched.get(signal) === own) this.watched.delete(signal);
    };
  }
}
