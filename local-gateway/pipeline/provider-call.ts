import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ApiSurface } from '../apis/types.js';
import { checkAnswer } from '../core/answer-shape.js';
import { GatehouseError } from '../core/errors.js';
import { nestsDeeperThan } from '../core/json-depth.js';
import { knownSecrets } from '../core/redact.js';
import { upstreamErrorResponse, upstreamFailure } from '../providers/http.js';
import type { UpstreamResponse } from '../providers/types.js';
import { SseSplitter } from '../stream/sse.js';
import type { RequestContext } from './context.js';
import { StreamBlocked, type StreamGuard } from './stream-guard.js';
import { maskStreamText } from './trace-mask.js';

/** Upstream headers worth showing the client: request ids and rate-limit state. */
const FORWARDED = /^(x-request-id|request-id|retry-after|x-ratelimit-|openai-|anthropic-ratelimit-)/;

export function forwardedHeaders(up: UpstreamResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(up.headers)) if (FORWARDED.test(k)) out[k] = v;
  return out;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** An answer as the trace stores it: as JSON, unless it is not JSON or nests too deep to read back (then as text). */
function storedJson(text: string, parsed: unknown): string {
  return parsed === NOT_JSON || nestsDeeperThan(parsed) ? JSON.stringify(text) : text;
}

/** A provider's error answer: recorded as received, raised as a coded error. */
export async function failFromUpstream(ctx: RequestContext, up: UpstreamResponse): Promise<never> {
  const text = await up.text();
  ctx.responseHeaders = up.headers;
  ctx.responseJson = storedJson(text, parseJson(text));
  throw upstreamErrorResponse(ctx.provider!.id, up.status, up.headers, text, ctx.provider!.credentialFields);
}

/** Reads a complete JSON answer; the bytes go to the client, and the trace, exactly as the provider sent them. */
export async function readComplete(ctx: RequestContext, up: UpstreamResponse, surface: ApiSurface): Promise<string> {
  const text = await up.text();
  const parsed = parseJson(text);
  ctx.responseHeaders = up.headers;
  if (parsed === NOT_JSON) {
    ctx.responseJson = JSON.stringify(text);
    throw new GatehouseError('GH_ERR_UPSTREAM_BAD_RESPONSE', `Provider "${ctx.provider!.id}" answered with a body that is not JSON: check its base_url points at an OpenAI-compatible API.`);
  }
  ctx.responseJson = storedJson(text, parsed);
  checkAnswer(surface.answer, parsed, ctx.provider!.id, surface.api);
  ctx.usage = surface.usage(parsed);
  ctx.status = up.status;
  return text;
}

/** Why a stream that ended without its end marker failed: the provider's error event, or a cut. */
function incompleteStream(ctx: RequestContext, providerError: string | null): GatehouseError {
  const id = ctx.provider!.id;
  if (providerError) return new GatehouseError('GH_ERR_UPSTREAM_ERROR', `Provider "${id}" failed mid-stream: ${providerError}. Retry the request.`);
  return new GatehouseError('GH_ERR_UPSTREAM_STREAM_CUT', `Provider "${id}" ended the stream before it was complete: retry the request.`);
}

/** Resolves on `drain`, or when the client is gone (a closed socket never drains). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * After the provider failed mid-stream: the text the guard still holds is scanned and sent
 * before the error event, as the client would have had it without the guard. Returns the
 * failure to report: the guardrail's refusal if the held text has a finding.
 */
async function releaseHeld(guard: StreamGuard, write: (out: string) => Promise<void>, failure: GatehouseError): Promise<GatehouseError> {
  try {
    const held = await guard.end();
    if (held !== '') await write(held);
    return failure;
  } catch (err) {
    return err instanceof StreamBlocked ? err.error : failure;
  }
}

export interface StreamOutcome {
  /** The stream's closing bytes, held back until the trace is committed. */
  tail: string;
}

/**
 * Relays an event stream event by event as each one completes, never buffering the answer.
 * The stream's end marker is held back and returned, so the caller can commit the trace
 * before the client has the whole response. A stream that breaks off ends with an error
 * event in the caller's format. With a `guard`, each event goes through it first: it holds
 * back a short tail of text, redacts, restores placeholders, or ends the stream. With
 * `headersHeld`, the response head is written but not yet sent: it goes with the first event,
 * or on its own once the first chunk yielded none.
 */
export async function relayStream(
  ctx: RequestContext,
  up: UpstreamResponse,
  surface: ApiSurface,
  body: Record<string, unknown>,
  res: ServerResponse,
  guard: StreamGuard | null = null,
  headersHeld = false,
): Promise<StreamOutcome> {
  const filter = surface.streamFilter(body);
  const splitter = new SseSplitter();
  const sent: string[] = [];
  let tail = '';
  let failure: GatehouseError | null = null;
  let firstChunkAt = 0;
  const start = performance.now();
  const write = async (out: string) => {
    sent.push(out);
    if (!res.write(out)) await drained(res);
    if (res.destroyed) throw new GatehouseError('GH_ERR_CLIENT_CLOSED', 'The client closed the connection mid-stream; the upstream request was aborted.');
  };
  try {
    const relay = async (event: string) => {
      const filtered = filter.event(event);
      if (filtered === null) return;
      const out = guard ? await guard.event(filtered) : filtered;
      if (filter.complete && !tail) {
        tail = out;
        return;
      }
      if (out !== '') await write(out);
    };
    for await (const chunk of up.body) {
      if (firstChunkAt === 0) {
        firstChunkAt = performance.now();
        ctx.phases.first_chunk = firstChunkAt - start;
      }
      for (const ev of splitter.push(chunk)) await relay(ev.toString('utf8'));
      // Held for the first event, which this chunk did not yield (dropped, or held by the guard):
      // the headers go now, before waiting on the provider for more.
      if (headersHeld && sent.length === 0) res.flushHeaders();
      headersHeld = false;
    }
    // A last event without its blank line (some servers end so) is still an event; complete it.
    const rest = splitter.rest()?.toString('utf8');
    if (rest?.trim()) await relay(rest.endsWith('\n') ? `${rest}\n` : `${rest}\n\n`);
    // Text still held when a stream ends without its closing events (a cut) was scanned: it goes out before the error.
    const held = guard ? await guard.end() : '';
    if (held !== '') {
      if (tail) tail = held + tail;
      else await write(held);
    }
    if (!filter.complete) failure = incompleteStream(ctx, filter.error);
  } catch (err) {
    // A guardrail's refusal stops the answer: the provider is told to stop too, so it costs no more tokens.
    failure = err instanceof StreamBlocked ? err.error : upstreamFailure(ctx.cutBy ?? err, ctx.provider!.id);
    up.dispose();
    if (guard && !(err instanceof StreamBlocked) && failure.code !== 'GH_ERR_CLIENT_CLOSED') failure = await releaseHeld(guard, write, failure);
  }
  ctx.phases.stream = performance.now() - (firstChunkAt || start);
  ctx.usage = filter.usage;
  if (failure) {
    ctx.status = failure.statusCode;
    ctx.errorCode = failure.code;
    ctx.errorMessage = failure.message;
    // The provider's own error event already told the client; do not send a second one.
    if (failure.code !== 'GH_ERR_CLIENT_CLOSED' && !(failure.code === 'GH_ERR_UPSTREAM_ERROR' && filter.error)) {
      tail = guard ? guard.renumber(filter.errorEvent(failure)) : filter.errorEvent(failure);
    }
  } else {
    ctx.status = 200;
    if (filter.error) {
      ctx.errorCode = 'GH_ERR_UPSTREAM_ERROR';
      ctx.errorMessage = `Provider "${ctx.provider!.id}" reported an error inside the stream: ${filter.error}`;
    }
  }
  const received = sent.join('') + tail;
  // The trace masks a key the provider split across deltas; the client got the events as sent (README, limits).
  ctx.responseJson = JSON.stringify(maskStreamText(guard ? guard.traced(received) : received, knownSecrets()));
  return { tail };
}
