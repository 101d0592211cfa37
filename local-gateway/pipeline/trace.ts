import { performance } from 'node:perf_hooks';
import { redactHeaders } from '../core/redact.js';
import type { TraceHead, TraceRecord } from '../store/schema.js';
import type { RequestContext } from './context.js';

/** Where traces go: the trace is durable when `write` returns (the store's journal writer). */
export interface TraceSink {
  write(record: TraceRecord): void;
}

function agentOf(ctx: RequestContext): string | null {
  const ua = ctx.headers['user-agent'];
  return typeof ua === 'string' ? ua : null;
}

/** The stored form of a request: credentials redacted, every phase and outcome named. */
export function buildTrace(ctx: RequestContext, secrets: readonly string[]): TraceRecord {
  const endedAt = Date.now();
  const resolved = ctx.provider && ctx.upstreamModel ? `${ctx.provider.id}/${ctx.upstreamModel}` : null;
  const head: TraceHead = {
    id: ctx.id,
    started_at: ctx.startedAt,
    ended_at: endedAt,
    duration_ms: Math.round((performance.now() - ctx.t0) * 1000) / 1000,
    phases: Object.fromEntries(Object.entries(ctx.phases).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
    caller: { user: ctx.user, team: ctx.team, agent: agentOf(ctx) },
    api: ctx.api,
    method: ctx.method,
    path: ctx.path,
    tier: ctx.tier,
    requested_model: ctx.requestedModel,
    resolved_model: resolved,
    provider: ctx.provider?.id ?? null,
    status: ctx.status,
    error_code: ctx.errorCode,
    error_message: ctx.errorMessage,
    stream: ctx.stream,
    tokens_in: ctx.usage?.input ?? null,
    tokens_out: ctx.usage?.output ?? null,
    tokens_cached: ctx.usage?.cached ?? null,
    metadata: ctx.metadata,
    request_headers: redactHeaders(ctx.headers, secrets),
    response_headers: redactHeaders(ctx.responseHeaders, secrets),
    verdicts: ctx.verdicts,
  };
  return { head, request: requestJson(ctx), response: ctx.responseJson ?? 'null' };
}

function requestJson(ctx: RequestContext): string {
  if (ctx.requestText === null || ctx.requestText === '') return 'null';
  return ctx.requestIsJson ? ctx.requestText : JSON.stringify(ctx.requestText);
}
