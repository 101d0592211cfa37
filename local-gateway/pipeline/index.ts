import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiSurface } from '../apis/types.js';
import type { GatehouseError } from '../core/errors.js';
import type { ProviderAdapter } from '../providers/types.js';
import { serverTiming, timed, timedAsync, type RequestContext } from './context.js';
import { failFromUpstream, forwardedHeaders, readComplete, relayStream } from './provider-call.js';
import { resolveIdentity, route } from './stages.js';
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
}

export interface Pipeline {
  handle(req: FastifyRequest, reply: FastifyReply, surface: ApiSurface): Promise<void>;
  /** Records a request that ended in an error before or instead of a response. */
  fail(ctx: RequestContext, err: GatehouseError): Promise<void>;
  /** Commits the request's trace; resolves once it is on disk. */
  record(ctx: RequestContext): Promise<void>;
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
  async function record(ctx: RequestContext): Promise<void> {
    if (ctx.traced) return;
    ctx.traced = true;
    // A trace that cannot be stored (a full disk) is reported by the writer; the answer still goes out.
    await timedAsync(ctx, 'trace', () => deps.traces.write(buildTrace(ctx, deps.secrets)));
  }

  async function handle(req: FastifyRequest, reply: FastifyReply, surface: ApiSurface): Promise<void> {
    const ctx = req.gh!;
    const body = req.body as Record<string, unknown>;
    ctx.requestBody = body;
    ctx.stream = surface.wantsStream(body);
    timed(ctx, 'identity', () => resolveIdentity(ctx));
    timed(ctx, 'route', () => route(ctx, deps.providers, surface.api, body.model as string));

    const res = reply.raw;
    const controller = new AbortController();
    // The client going away must stop the provider call: an abandoned agent turn costs tokens.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const up = await timedAsync(ctx, 'provider_call', () =>
      ctx.provider!.call({
        api: surface.api,
        model: ctx.upstreamModel!,
        body: surface.upstreamBody(body, ctx.upstreamModel!, ctx.stream),
        stream: ctx.stream,
        signal: controller.signal,
      }),
    );
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
      await record(ctx);
      if (!res.destroyed) res.end(tail);
      return;
    }
    const text = await timedAsync(ctx, 'response', () => readComplete(ctx, up, surface));
    await record(ctx);
    reply.code(up.status).headers({ ...gatehouseHeaders(ctx), ...forwardedHeaders(up) }).type('application/json').send(text);
  }

  function fail(ctx: RequestContext, err: GatehouseError): Promise<void> {
    ctx.status = err.statusCode;
    ctx.errorCode = err.code;
    ctx.errorMessage = err.message;
    return record(ctx);
  }

  return { handle, fail, record };
}

