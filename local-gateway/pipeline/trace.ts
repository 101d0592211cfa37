import { performance } from 'node:perf_hooks';
import { holdsSecret, redactHeaders, redactSecrets } from '../core/redact.js';
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
    phases: roundedPhases(ctx.phases),
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
    tokens_reasoning: ctx.usage?.reasoning ?? null,
    cost_usd: ctx.costUsd,
    metadata: ctx.metadata,
    policy_version: ctx.policyVersion,
    request_headers: redactHeaders(ctx.headers, secrets),
    response_headers: redactHeaders(ctx.responseHeaders, secrets),
    verdicts: ctx.verdicts,
  };
  return { ...maskHead(head, secrets), request: mask(requestJson(ctx), secrets), response: mask(ctx.responseJson ?? 'null', secrets) };
}

function roundedPhases(phases: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in phases) out[k] = Math.round(phases[k]! * 1000) / 1000;
  return out;
}

/**
 * Masks known secrets in a stored body: a developer may paste a key into a prompt, a provider
 * may echo one in an error. The check runs first and almost always finds nothing, so a
 * 256 KiB agent body costs about 7 µs with 4 secrets, and no copy (`bench/redact.ts`).
 */
function mask(text: string, secrets: readonly string[]): string {
  return holdsSecret(text, secrets) ? redactSecrets(text, secrets) : text;
}

/**
 * The head's free-text fields (error message, metadata, model names) may carry a secret too;
 * it is small, so check it whole. Its JSON text goes with it, for the journal line.
 */
function maskHead(head: TraceHead, secrets: readonly string[]): { head: TraceHead; headJson: string } {
  const text = JSON.stringify(head);
  if (!holdsSecret(text, secrets)) return { head, headJson: text };
  const masked = redactSecrets(text, secrets);
  return { head: JSON.parse(masked) as TraceHead, headJson: masked };
}

function requestJson(ctx: RequestContext): string {
  if (ctx.requestText === null || ctx.requestText === '') return 'null';
  return ctx.requestIsJson ? ctx.requestText : JSON.stringify(ctx.requestText);
}
