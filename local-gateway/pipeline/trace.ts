import { performance } from 'node:perf_hooks';
import { redactHeaders } from '../core/redact.js';
import type { TraceHead, TraceRecord } from '../store/schema.js';
import type { RequestContext } from './context.js';
import { maskJsonText } from './trace-mask.js';

/** Where traces go: the trace is durable when `write` returns (the store's journal writer). */
export interface TraceSink {
  write(record: TraceRecord): void;
}

function agentOf(ctx: RequestContext): string | null {
  const ua = ctx.headers['user-agent'];
  return typeof ua === 'string' ? ua : null;
}

/** The stored form of a request: credentials redacted, every phase and outcome named. */
export function buildTrace(ctx: RequestContext, secrets: readonly string[], endedAt: number): TraceRecord {
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
    // A tool call's "provider" is the MCP server that ran it, so the provider filter finds its calls.
    provider: ctx.provider?.id ?? ctx.tool?.server ?? null,
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
    // Only a tool call has one, so a model call's head is as it always was (live events, sync records).
    ...(ctx.tool ? { tool: ctx.tool } : {}),
    policy_version: ctx.policyVersion,
    request_headers: redactHeaders(ctx.headers, secrets),
    response_headers: redactHeaders(ctx.responseHeaders, secrets),
    verdicts: ctx.verdicts,
  };
  // A developer may paste a key into a prompt, a provider may echo one in an error, a client may
  // spell one with JSON escapes: see trace-mask.ts, and bench/redact.ts for what it costs.
  return { ...maskHead(head, secrets), request: maskJsonText(requestJson(ctx), secrets), response: maskJsonText(ctx.responseJson ?? 'null', secrets) };
}

function roundedPhases(phases: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in phases) out[k] = Math.round(phases[k]! * 1000) / 1000;
  return out;
}

/**
 * The head's free-text fields (error message, metadata, model names, header values) may carry
 * a secret too, in any spelling. Its JSON text goes with it, for the journal line.
 */
function maskHead(head: TraceHead, secrets: readonly string[]): { head: TraceHead; headJson: string } {
  const text = JSON.stringify(head);
  const masked = maskJsonText(text, secrets);
  if (masked === text) return { head, headJson: text };
  return { head: JSON.parse(masked) as TraceHead, headJson: masked };
}

function requestJson(ctx: RequestContext): string {
  if (ctx.requestText === null || ctx.requestText === '') return 'null';
  return ctx.requestIsJson ? ctx.requestText : JSON.stringify(ctx.requestText);
}
