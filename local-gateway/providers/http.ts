import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { GatehouseError } from '../core/errors.js';
import type { Timeouts } from './config.js';
import type { UpstreamResponse } from './types.js';

/**
 * A keep-alive connection pool to one provider origin, with the configured timeouts, made on
 * first use: undici costs ~20 MB of memory, which a gateway that has not yet called a
 * provider (or only the demo) does not need to carry.
 */
export interface LazyPool {
  get(): Promise<Pool>;
  close(): Promise<void>;
}

export function createPool(baseUrl: string, timeouts: Timeouts): LazyPool {
  let pool: Promise<Pool> | null = null;
  return {
    get() {
      pool ??= import('undici').then(
        ({ Pool }) =>
          new Pool(new URL(baseUrl).origin, {
            connect: { timeout: timeouts.connect_ms },
            headersTimeout: timeouts.headers_ms,
            bodyTimeout: timeouts.idle_ms,
            keepAliveTimeout: 30_000,
            // Agents stream for minutes; a few parallel streams per provider are normal.
            connections: 64,
            pipelining: 1,
          }),
      );
      return pool;
    },
    async close() {
      if (pool) await (await pool).close();
    },
  };
}

export interface HttpCall {
  providerId: string;
  method: 'GET' | 'POST';
  /** Path and query below the origin, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** Sends one request; connection and timeout failures become coded errors naming the provider. */
export async function send(lazy: LazyPool, call: HttpCall): Promise<UpstreamResponse> {
  const pool = await lazy.get();
  if (call.signal.aborted) throw upstreamFailure(call.signal.reason, call.providerId);
  return new Promise((resolve, reject) => {
    pool.dispatch({ method: call.method, path: call.path, headers: call.headers, body: call.body }, new ResponseHandler(call, resolve, reject));
  });
}

/** Chunks held before the connection is paused, when nobody reads the body yet. */
const HIGH_WATER_CHUNKS = 16;

/**
 * Receives one response through undici's dispatch API and hands it on as an
 * `UpstreamResponse`. `pool.request` wraps every response in a Node stream (a `Readable`, its
 * buffers and events) and a promise per body read; a gateway reads a small JSON answer once,
 * or relays a stream chunk by chunk, so a queue and one waiting reader are all it needs.
 */
class ResponseHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private started = false;
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private failure: GatehouseError | null = null;
  /** The body's reader, waiting for the next chunk or the end. */
  private wake: (() => void) | null = null;
  private readonly onAbort = () => this.abort(this.call.signal.reason as Error);

  constructor(
    private readonly call: HttpCall,
    private readonly resolve: (res: UpstreamResponse) => void,
    private readonly reject: (err: GatehouseError) => void,
  ) {
    call.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.call.signal.aborted) controller.abort(this.call.signal.reason as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, raw: IncomingHttpHeaders): void {
    // A 1xx is informational: the answer's own status and headers follow.
    if (statusCode < 200) return;
    this.started = true;
    const headers: Record<string, string> = {};
    for (const k in raw) {
      const v = raw[k];
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    this.resolve({ status: statusCode, headers, body: this.iterate(), text: () => this.text(), dispose: () => this.dispose(), buffered: () => this.chunks.length > 0 });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    if (this.wake) this.notify();
    else if (this.chunks.length >= HIGH_WATER_CHUNKS) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.failure = upstreamFailure(err, this.call.providerId);
    this.finish();
    if (!this.started) this.reject(this.failure);
  }

  private finish(): void {
    this.call.signal.removeEventListener('abort', this.onAbort);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private abort(reason: Error): void {
    if (this.controller) this.controller.abort(reason);
  }

  private dispose(): void {
    if (!this.ended && this.failure === null) this.abort(new Error('the gateway stopped reading the response'));
  }

  /** Resumes a paused response; undici may hand over what it holds (and the end) at once, so look again before waiting. */
  private resumed(): boolean {
    if (!this.controller?.paused) return false;
    this.controller.resume();
    return true;
  }

  private async *iterate(): AsyncIterable<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      if (this.resumed()) continue;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private async text(): Promise<string> {
    while (!this.ended && this.failure === null) {
      if (this.resumed()) continue;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure) throw this.failure;
    return this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Maps a network-level failure talking to a provider to the catalogue. */
export function upstreamFailure(err: unknown, providerId: string): GatehouseError {
  if (err instanceof GatehouseError) return err;
  // undici's errors carry stable codes; matching them keeps undici itself out of this module's imports.
  const code = (err as { code?: string }).code;
  const name = (err as { name?: string }).name;
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
    return new GatehouseError('GH_ERR_CLIENT_CLOSED', 'The client closed the connection; the upstream request was aborted.', { cause: err });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatehouseError('GH_ERR_UPSTREAM_TIMEOUT', `Provider "${providerId}" did not accept a connection in time: check that it is running and its base_url.`, { cause: err });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new GatehouseError('GH_ERR_UPSTREAM_TIMEOUT', `Provider "${providerId}" did not answer in time (timeouts.headers_ms): retry, or raise the timeout for slow models.`, { cause: err });
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new GatehouseError('GH_ERR_UPSTREAM_TIMEOUT', `Provider "${providerId}" went silent mid-response (timeouts.idle_ms): retry the request.`, { cause: err });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new GatehouseError('GH_ERR_UPSTREAM_CONNECT', `Cannot reach provider "${providerId}" (${code}): check that it is running and its base_url in gatehouse.yaml.`, { cause: err });
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return new GatehouseError('GH_ERR_UPSTREAM_STREAM_CUT', `Provider "${providerId}" closed the connection before the response was complete: retry the request.`, { cause: err });
  }
  return new GatehouseError('GH_ERR_UPSTREAM_CONNECT', `Request to provider "${providerId}" failed (${code ?? name ?? 'unknown error'}): retry, or check the provider.`, { cause: err });
}

/** Reads a whole body as text by iterating it (for bodies that have no faster way). */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(parts).toString('utf8');
}

/** Pulls a human message out of a provider's error body, whatever its shape. */
function providerMessage(text: string): { message: string; type: string | null } {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown; type?: unknown } | string; message?: unknown };
    const e = parsed.error;
    if (typeof e === 'string') return { message: e, type: null };
    if (e && typeof e.message === 'string') return { message: e.message, type: typeof e.type === 'string' ? e.type : null };
    if (typeof parsed.message === 'string') return { message: parsed.message, type: null };
  } catch {
    // Not JSON: fall through to the text itself.
  }
  return { message: text.slice(0, 500).trim() || '(empty body)', type: null };
}

/**
 * Turns a provider's error response into a coded error. Client mistakes the provider saw
 * (400, 404, 413, 422) and rate limits (429, with its retry-after) keep their status;
 * a rejected provider key is the gateway's configuration problem, not the caller's, so it
 * becomes 502 rather than a 401 the client would blame on its local token.
 */
export function upstreamErrorResponse(
  providerId: string,
  status: number,
  headers: Record<string, string>,
  text: string,
  credentialFields: readonly string[] = ['api_key'],
): GatehouseError {
  const { message, type } = providerMessage(text);
  const passHeaders: Record<string, string> = {};
  if (headers['retry-after']) passHeaders['retry-after'] = headers['retry-after'];
  if (status === 401 || status === 403) {
    const fields = credentialFields.length > 1 ? `${credentialFields.slice(0, -1).join(', ')} and ${credentialFields.at(-1)}` : credentialFields[0];
    return new GatehouseError('GH_ERR_UPSTREAM_ERROR', `Provider "${providerId}" rejected its credentials (${status}: ${message}): check its ${fields} in gatehouse.yaml.`, { status: 502 });
  }
  if (status === 429 || (status >= 400 && status < 500)) {
    // A 404 that is not an API error is usually a base_url without the API's version path.
    const hint = status === 404 && type === null ? ` (check its base_url: OpenAI-compatible servers answer under /v1, e.g. http://127.0.0.1:11434/v1)` : '';
    return new GatehouseError('GH_ERR_UPSTREAM_ERROR', `Provider "${providerId}" answered ${status}: ${message}${hint}`, {
      status,
      type: type ?? (status === 429 ? 'rate_limit_error' : 'invalid_request_error'),
      headers: passHeaders,
    });
  }
  // 529 is Anthropic's "overloaded": kept with its type, since clients back off on it.
  return new GatehouseError('GH_ERR_UPSTREAM_ERROR', `Provider "${providerId}" failed with ${status}: ${message}. Retry, or try another model.`, {
    status: status === 503 || status === 504 || status === 529 ? status : 502,
    ...(type === 'overloaded_error' ? { type } : {}),
    headers: passHeaders,
  });
}
