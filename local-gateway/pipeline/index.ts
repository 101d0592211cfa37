import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/log.js';
import type { ApiSurface } from '../apis/types.js';
import type { GatehouseError } from '../core/errors.js';
import type { IdentityService } from '../identity/index.js';
import type { ProviderAdapter } from '../providers/types.js';
import { serverTiming, timed, timedAsync, type RequestContext } from './context.js';
import { failFromUpstream, forwardedHeaders, readComplete, relayStream } from './provider-call.js';
import { resolveIdentity, route } from './stages.js';
import { callTarget } from './upstream.js';
import { buildTrace, type TraceSink } from './trace.js';

/**
 * The stages every client request walks through, in order. `authenticate` runs in the
 * server's onRequest hook, before the body is read, so an unauthenticated caller cannot make
 * the gateway parse 32 MiB; the rest run here, in `handle`.
 */
export const STAGES = ['authenticate', 'identity', 'route', 'provider_call', 'trace'] as const;

export interface PipelineDeps {
  providers: ReadonlyMap<string, ProviderAdapter>;
  traces: TraceSink;
  /** Values to mask wherever they appear in a stored trace: the local token, provider keys. */
  secrets: readonly string[];
  log: Logger;
  /** Who is calling, resolved in the background (PAT via the central gateway, or the OS user). */
  identity: IdentityService;
}

export interface Pipeline {
  handle<B extends Record<string, unknown>>(req: FastifyRequest, reply: FastifyReply, surface: ApiSurface<B>): Promise<void>;
  /** Records a request that ended in an error before or instead of a response. */
  fail(ctx: RequestContext, err: GatehouseError): void;
  /** Writes the request's trace; it is on disk when this returns. */
  record(ctx: RequestContext): void;
}

/** Headers every answer carries, so a developer can find the trace of any response. */
export function gatehouseHeaders(ctx: RequestContext): Record<string, string> {
  const h: Record<string, string> = {
    'x-gatehouse-trace-id': ctx.id,
    'x-gatehouse-tier': ctx.tier,
    'server-timing': serverTiming(ctx),
  };
  if (ctx.provider && ctx.upstreamModel) h['x-gatehouse-resolved-model'] = `${ctx.provider.id}/${ctx.upstreamModel}`;
  return h;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  function record(ctx: RequestContext): void {
    if (ctx.traced) return;
    ctx.traced = true;
    try {
      timed(ctx, 'trace', () => deps.traces.write(buildTrace(ctx, deps.secrets)));
    } catch (err) {
      // A full disk must not take the developer's agent down with it: answer, and say so in the log.
      deps.log.error('could not store the trace', { trace: ctx.id, err: (err as Error).message });
    }
  }

  async function handle<B extends Record<string, unknown>>(req: FastifyRequest, reply: FastifyReply, surface: ApiSurface<B>): Promise<void> {
    const ctx = req.gh!;
    // The route's schema validated the body against B.
    const body = req.body as B;
    ctx.stream = surface.wantsStream(body);
    timed(ctx, 'identity', () => resolveIdentity(ctx, deps.identity.current()));
    timed(ctx, 'route', () => route(ctx, deps.providers, surface.api, body.model as string));

    const res = reply.raw;
    const controller = new AbortController();
    res.once('close', () => {
      // The client going away must stop the provider call: an abandoned agent turn costs tokens.
      if (!res.writableFinished) controller.abort();
    });
    const target = { provider: ctx.provider!, model: ctx.upstreamModel! };
    const up = await timedAsync(ctx, 'provider_call', () => callTarget(ctx, surface, body, target, controller.signal));
    if (up.status >= 400) await failFromUpstream(ctx, up);

    if (ctx.stream && up.headers['content-type']?.includes('text/event-stream')) {
      reply.hijack();
      res.writeHead(200, {
        ...gatehouseHeaders(ctx),
        ...forwardedHeaders(up),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      const { tail } = await relayStream(ctx, up, surface, body, res);
      record(ctx);
      if (!res.destroyed) res.end(tail);
      return;
    }
    const text = await timedAsync(ctx, 'response', () => readComplete(ctx, up, surface));
    record(ctx);
    reply.code(up.status).headers({ ...gatehouseHeaders(ctx), ...forwardedHeaders(up) }).type('application/json').send(text);
  }

  function fail(ctx: RequestContext, err: GatehouseError): void {
    ctx.status = err.statusCode;
    ctx.errorCode = err.code;
    ctx.errorMessage = err.message;
    record(ctx);
  }

  return { handle, fail, record };
}

