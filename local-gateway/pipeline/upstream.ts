import { SURFACES } from '../apis/index.js';
import type { ApiSurface, UpstreamBody } from '../apis/types.js';
import { checkAnswer } from '../core/answer-shape.js';
import { GatehouseError } from '../core/errors.js';
import { readText } from '../providers/http.js';
import type { ProviderAdapter, UpstreamResponse } from '../providers/types.js';
import { SseSplitter, parseSseEvent } from '../stream/sse.js';
import { planUpstream, type StreamTranslator, type Translation } from '../translate/index.js';
import type { RequestContext } from './context.js';

/** One place a request can go: a provider and the provider's own model name. */
export interface Target {
  provider: ProviderAdapter;
  model: string;
}

/**
 * Calls one target and answers in the client's API, whatever the provider speaks: natively
 * (the client's JSON text goes up with only the model edited) or through a translation (the
 * answer, and each streamed event, is translated back as it arrives). Error answers (≥ 400)
 * come back as the provider sent them; the caller turns them into coded errors.
 */
export async function callTarget<B extends Record<string, unknown>>(
  ctx: RequestContext,
  surface: ApiSurface<B>,
  body: B,
  target: Target,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const plan = planUpstream(surface.api, target.provider);
  if (!plan) {
    throw new GatehouseError('GH_ERR_UNSUPPORTED_API', `Provider "${target.provider.id}" (${target.provider.kind}) cannot serve ${surface.api}: pick a model on another provider.`, { param: 'model' });
  }
  if (plan.translation) {
    const t = plan.translation;
    const up = await target.provider.call({ api: plan.api, model: target.model, body: t.request(body, target.model, ctx.stream), bodyText: null, stream: ctx.stream, clientHeaders: ctx.headers, metadata: ctx.metadata, signal });
    return translated(up, t, ctx.requestedModel ?? target.model, target.provider.id);
  }
  const upstream = surface.upstreamBody({
    body,
    text: ctx.requestIsJson ? ctx.requestText : null,
    requested: ctx.requestedModel ?? target.model,
    model: target.model,
    stream: ctx.stream,
  });
  const call = (b: UpstreamBody) =>
    target.provider.call({ api: plan.api, model: target.model, body: b.body, bodyText: b.text, stream: ctx.stream, clientHeaders: ctx.headers, metadata: ctx.metadata, signal });
  const up = await call(upstream);
  if (up.status !== 400 || !upstream.plain) return up;
  const refusal = await up.text().catch(() => '');
  // Only a refusal of what the gateway added (stream_options) is worth the client's own body:
  // any other 400 would fail again, and a provider that ignores the field never names it.
  if (!ADDED_FIELD.test(refusal)) return readAgain(up, refusal);
  return call(upstream.plain);
}

/** What the gateway adds to a client's body; a provider's 400 that names it refused the addition. */
const ADDED_FIELD = /stream_options/;

/** An answer whose body was read, offered again as the text read. */
function readAgain(up: UpstreamResponse, text: string): UpstreamResponse {
  async function* body(): AsyncIterable<Uint8Array> {
    yield Buffer.from(text);
  }
  return { status: up.status, headers: up.headers, body: body(), text: async () => text, dispose: () => {} };
}

function badUpstream(providerId: string, err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  return new GatehouseError('GH_ERR_UPSTREAM_BAD_RESPONSE', `Provider "${providerId}" sent an answer Gatehouse could not translate (${(err as Error).message}): retry, or report it with the trace id.`, { cause: err });
}

/** The provider's answer seen through a translation: JSON translated whole, streams event by event. */
function translated(up: UpstreamResponse, t: Translation, requested: string, providerId: string): UpstreamResponse {
  if (up.status >= 400) return up;
  if (up.headers['content-type']?.includes('text/event-stream')) {
    const body = translateStream(up.body, t.stream(requested), providerId);
    return { status: up.status, headers: { ...up.headers, 'content-type': 'text/event-stream' }, body, text: () => readText(body), dispose: up.dispose };
  }
  return {
    ...up,
    headers: { ...up.headers, 'content-type': 'application/json' },
    async text() {
      const raw = await up.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        // Not JSON: handed on as is, so the pipeline reports the provider's bad answer.
        return raw;
      }
      // A translation maps only what is there: the provider's answer is checked first, or garbage would translate to an empty success.
      const shape = SURFACES[t.to]?.answer;
      if (shape) checkAnswer(shape, parsed, providerId, t.to);
      try {
        return JSON.stringify(t.response(parsed, requested));
      } catch (err) {
        throw badUpstream(providerId, err);
      }
    },
  };
}

async function* translateStream(upstream: AsyncIterable<Uint8Array>, translator: StreamTranslator, providerId: string): AsyncIterable<Uint8Array> {
  const splitter = new SseSplitter();
  const out = (events: string[]) => events.map((e) => Buffer.from(e));
  const each = (raw: Buffer) => {
    const ev = parseSseEvent(raw.toString('utf8'));
    if (ev === null) return [];
    try {
      return out(translator.event(ev));
    } catch (err) {
      throw badUpstream(providerId, err);
    }
  };
  for await (const chunk of upstream) {
    for (const raw of splitter.push(chunk)) yield* each(raw);
  }
  const rest = splitter.rest();
  if (rest) yield* each(rest);
  yield* out(translator.end());
}
