import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/log.js';
import type { ApiSurface } from '../apis/types.js';
import { GatehouseError } from '../core/errors.js';
import { serverTiming, timed, timedAsync, type RequestContext } from './context.js';
import { admit, type AdmitDeps, type Admission } from './stage-list.js';

export { STAGES } from './stage-list.js';
import { restoreJson } from '../policy/engine/index.js';
import { guardrailStage, hasHook, release, settle, shadowHeaders, type RequestPolicy } from './tier-runs.js';
import { failFromUpstream, forwardedHeaders, readComplete, relayStream } from './provider-call.js';
import { callRouted, type Attempt, type RoutePlan } from './routing.js';
import { callTarget } from './upstream.js';
import { buildTrace, type TraceSink } from './trace.js';
import { createStreamGuard, recordStreamOutput } from './stream-guard.js';
import { performance } from 'node:perf_hooks';
import type { Mark, WallMarks } from './wall-marks.js';

export interface PipelineDeps extends AdmitDeps {
  traces: TraceSink;
  /** Values to mask wherever they appear in a stored trace: the local token, provider keys. */
  secrets: readonly string[];
  /** The wall clock trace times are read from. */
  clock: () => number;
  log: Logger;
  /** Where served requests' wall time goes, for the bench; null (the default) measures nothing. */
  wallMarks?: WallMarks | null;
}

export interface Pipeline {
  handle<B extends Record<string, unknown>>(req: FastifyRequest, reply: FastifyReply, surface: ApiSurface<B>): Promise<void>;
  /** Records a request that ended in an error before or instead of a response. */
  fail(ctx: RequestContext, err: GatehouseError): void;
  /** Writes the request's trace; it is on disk when this returns. */
  record(ctx: RequestContext): void;
  /**
   * Aborts every open client request as cut by shutdown (GH_ERR_SHUTDOWN). Resolves with how
   * many it cut once each has its trace and its client has the API's error answer or event.
   */
  cutOpen(): Promise<number>;
}

/** A request being served, so a shutdown can abort it and still answer and trace it. */
interface OpenRequest {
  ctx: RequestContext;
  controller: AbortController;
  res: ServerResponse;
}

const SHUTDOWN_MESSAGE = 'Gatehouse stopped while this request was open, so it was cut short: retry it once the gateway is running again.';

/** Headers every answer carries, so a developer can find the trace of any response. */
export function gatehouseHeaders(ctx: RequestContext): Record<string, string> {
  const h: Record<string, string> = {
    'x-gatehouse-trace-id': ctx.id,
    'x-gatehouse-tier': ctx.tier,
    'server-timing': serverTiming(ctx),
  };
  if (ctx.provider && ctx.upstreamModel) h['x-gatehouse-resolved-model'] = `${ctx.provider.id}/${ctx.upstreamModel}`;
  // Never silently: a limit decided without the shared store is named on the answer.
  if (ctx.limitsLocal) h['x-gatehouse-limits'] = 'local-share';
  // A gateway that authenticates each caller (the central, by PAT) names the org whose ledger
  // counts this answer, so a device that used it as its upstream does not count it again.
  if (ctx.identity?.org) h['x-gatehouse-org'] = ctx.identity.org;
  const shadow = shadowHeaders(ctx);
  // A header value cannot hold a list of lists; one line per shadow tier.
  if (shadow.length > 0) h['x-gatehouse-shadow'] = shadow.join(' | ');
  return h;
}

/**
 * A complete JSON answer, written as Fastify's `reply.send` writes a string with this route's
 * setup (no onSend hook, serializer or logger runs): one `writeHead` with every header, the
 * charset and length named, and one `end`. Fastify would copy each header in, parse the
 * content-type back to append its charset and look the headers up again; a served request
 * is on the request thread for all of it.
 */
function sendJson(reply: FastifyReply, status: number, headers: Record<string, string>, text: string): void {
  reply.hijack();
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  reply.raw.writeHead(status, headers);
  reply.raw.end(text);
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const open = new Set<OpenRequest>();
  const wall = deps.wallMarks ?? null;
  const mark = (ctx: RequestContext, at: Mark) => {
    if (ctx.marks !== null) wall!.mark(ctx.marks, at);
  };

  function record(ctx: RequestContext): void {
    if (ctx.traced) return;
    ctx.traced = true;
    try {
      timed(ctx, 'trace', () => deps.traces.write(buildTrace(ctx, deps.secrets, deps.clock())));
    } catch (err) {
      // A full disk must not take the developer's agent down with it: answer, and say so in the log.
      deps.log.error('could not store the trace', { trace: ctx.id, err: (err as Error).message });
    }
  }

  /** Output guardrails on a complete answer; returns the text to send (redacted when a guardrail mutated it), at once when there are none. */
  function checkOutput(ctx: RequestContext, rp: RequestPolicy, surface: Pick<ApiSurface, 'responseTexts'>, text: string): string | Promise<string> {
    ctx.phases.output_guardrails = 0;
    if (!hasHook(rp, 'llm_output')) return text;
    return timedAsync(ctx, 'output_guardrails', async () => {
      const parsed: unknown = JSON.parse(text);
      const slots = surface.responseTexts(parsed);
      const original = slots.map((s) => s.text);
      rp.facts.output = original;
      const texts = await guardrailStage(ctx, rp, 'llm_output', original);
      if (texts === original) return text;
      texts.forEach((t, i) => slots[i]!.set(t));
      const out = JSON.stringify(parsed);
      ctx.responseJson = out;
      return out;
    });
  }

  async function handle<B extends Record<string, unknown>>(req: FastifyRequest, reply: FastifyReply, surface: ApiSurface<B>): Promise<void> {
    const ctx = req.gh!;
    const marks = wall?.start(ctx.t0) ?? null;
    if (marks !== null) {
      ctx.marks = marks;
      mark(ctx, 'handler');
      reply.raw.once('finish', () => {
        mark(ctx, 'finished');
        wall!.done(marks, ctx.stream ? 'stream' : (ctx.requestText?.length ?? 0) > 16_384 ? 'large' : 'small');
      });
    }
    // The route's schema validated the body against B.
    const body = req.body as B;
    ctx.stream = surface.wantsStream(body);
    const res = reply.raw;
    const controller = new AbortController();
    const entry: OpenRequest = { ctx, controller, res };
    open.add(entry);
    res.once('close', () => {
      open.delete(entry);
      // The client going away must stop the provider call: an abandoned agent turn costs tokens.
      if (!res.writableFinished) controller.abort();
    });
    const a: Admission = { ctx, surface, body, rp: null, slots: [], plan: null };
    try {
      // The stages before the provider call, in order (stage-list.ts).
      const admitted = admit(a, deps);
      if (admitted) await admitted;
    } catch (err) {
      // Refused before the policy was read (a bad metadata header): nothing was counted.
      if (a.rp === null) throw err;
      unserved(a.rp, err);
    }
    const rp = a.rp!;
    const plan = a.plan!;
    mark(ctx, 'admitted');

    // A shutdown's abort surfaces as whatever the provider call throws; the trace names the shutdown.
    const up = await routeAndCall(ctx, surface, body, plan, controller.signal).catch((err: unknown) => unserved(rp, ctx.cutBy ?? err));
    mark(ctx, 'answered');
    if (up.status >= 400) await failFromUpstream(ctx, up).catch((err: unknown) => unserved(rp, ctx.cutBy ?? err));

    if (ctx.stream && up.headers['content-type']?.includes('text/event-stream')) {
      reply.hijack();
      res.writeHead(200, {
        ...gatehouseHeaders(ctx),
        ...forwardedHeaders(up),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      // When the provider's first events came with its headers, the headers go out with the
      // first event relayed: one write and one wake-up of the client instead of two. Otherwise
      // the client has them now, as the provider sent them, before any event.
      const headersHeld = up.buffered?.() === true;
      if (!headersHeld) res.flushHeaders();
      const guard = createStreamGuard(ctx, rp, surface.streamCodec);
      const { tail } = await relayStream(ctx, up, surface, body, res, guard, headersHeld);
      await recordStreamOutput(ctx, rp, guard, surface.streamCodec);
      await settle(deps.policy, ctx, rp);
      record(ctx);
      if (!res.destroyed) res.end(tail);
      return;
    }
    const complete = await timedAsync(ctx, 'response', () => readComplete(ctx, up, surface)).catch((err: unknown) => unserved(rp, ctx.cutBy ?? err));
    mark(ctx, 'read');
    rp.facts.tokensIn = ctx.usage?.input ?? null;
    rp.facts.tokensOut = ctx.usage?.output ?? null;
    // Awaited only when there is something to wait for: `await` of a plain value still costs a turn.
    const settling = settle(deps.policy, ctx, rp);
    if (settling) await settling;
    const checked = checkOutput(ctx, rp, surface, complete);
    // Placeholders go back after the output guardrails, which judge what the model wrote; the
    // trace keeps that too (ctx.responseJson), so a redacted value never reaches the store.
    const text = restoreJson(typeof checked === 'string' ? checked : await checked, ctx.placeholders);
    record(ctx);
    mark(ctx, 'recorded');
    sendJson(reply, up.status, { ...gatehouseHeaders(ctx), ...forwardedHeaders(up) }, text);
    mark(ctx, 'sent');
  }

  /** A request that never got an answer used no tokens: its estimate comes off the token limits. */
  function unserved(rp: RequestPolicy, err: unknown): never {
    release(rp);
    throw err;
  }

  /** The route stage: targets in order, retries, fallback, breakers; the last attempt's time is the provider call's. */
  async function routeAndCall<B extends Record<string, unknown>>(ctx: RequestContext, surface: ApiSurface<B>, body: B, plan: RoutePlan, signal: AbortSignal) {
    const attempts: Attempt[] = [];
    const start = performance.now();
    let last = start;
    try {
      return await callRouted(
        plan,
        { breakers: deps.policy.breakers, random: deps.policy.random, sleep: deps.policy.sleep },
        (target, s) => {
          last = performance.now();
          mark(ctx, 'dispatched');
          return callTarget(ctx, surface, body, target, s);
        },
        signal,
        attempts,
        (t) => {
          ctx.provider = t.target.provider;
          ctx.upstreamModel = t.target.model;
        },
      );
    } finally {
      const end = performance.now();
      ctx.phases.route = (ctx.phases.route ?? 0) + (last - start);
      ctx.phases.provider_call = (ctx.phases.provider_call ?? 0) + (end - last);
      if (plan.virtual !== null || attempts.length > 1) recordRoute(ctx, plan, attempts);
    }
  }

  function recordRoute(ctx: RequestContext, plan: RoutePlan, attempts: Attempt[]): void {
    const served = ctx.provider && ctx.upstreamModel ? `${ctx.provider.id}/${ctx.upstreamModel}` : 'no target';
    const tried = attempts.map((a) => `${a.target} ${a.outcome}`).join(', ');
    ctx.verdicts.push({
      tier: ctx.tier,
      enforced: true,
      stage: 'route',
      rule: plan.virtual ?? served,
      decision: 'allow',
      mode: 'enforce',
      findings: attempts.map((a) => ({ type: 'attempt', detail: `${a.target} ${a.outcome}` })),
      reason: `${plan.virtual ?? served} went to ${served} after ${attempts.length} attempt(s): ${tried}.`,
    });
  }

  function fail(ctx: RequestContext, err: GatehouseError): void {
    ctx.status = err.statusCode;
    ctx.errorCode = err.code;
    ctx.errorMessage = err.message;
    record(ctx);
  }

  function cutOpen(): Promise<number> {
    const cut = [...open];
    const closed = cut.map((o) => new Promise<void>((resolve) => o.res.once('close', () => resolve())));
    for (const o of cut) {
      o.ctx.cutBy = new GatehouseError('GH_ERR_SHUTDOWN', SHUTDOWN_MESSAGE);
      o.controller.abort(o.ctx.cutBy);
    }
    return Promise.all(closed).then(() => cut.length);
  }

  return { handle, fail, record, cutOpen };
}

