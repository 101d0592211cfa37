import type { Trace, TraceUsage } from '../../store/schema.js';
import type { ToolCallRecord } from './evaluate-tool.js';
import { estimateTokens, maxOutputOf, type RequestFacts } from './facts.js';
import { requestTexts, responseTexts, slotTexts, streamText } from '../../contracts/texts.js';

/**
 * The facts of a stored request without its bodies (no texts, no estimate): enough for the
 * rules that count and charge, which look at who, which model, and the real usage.
 */
export function factsFromSummary(t: TraceUsage): RequestFacts {
  return {
    api: t.api,
    model: t.requested_model ?? t.resolved_model ?? '',
    resolvedModel: t.resolved_model,
    user: t.caller.user,
    team: t.caller.team,
    metadata: t.metadata,
    input: [],
    output: null,
    estimatedTokens: 0,
    tokensIn: t.tokens_in,
    tokensOut: t.tokens_out,
    at: t.started_at,
    // A tool call's: enough for the rules that count it (its arguments are in the body, not the summary).
    ...(t.tool && !t.tool.kind ? { tool: { server: t.tool.server, name: t.tool.name, exposed: t.tool.exposed, arguments: {} } } : {}),
    ...(t.tool?.kind ? { content: { kind: t.tool.kind, server: t.tool.server, exposed: t.tool.exposed } } : {}),
  };
}

/**
 * A stored tool call's facts and what was sent and answered, for replaying it; null when the
 * trace is not a tool call `/mcp` routed (an unknown tool never reached the policy).
 */
export function toolCallFromTrace(trace: Trace): { facts: RequestFacts; call: ToolCallRecord } | null {
  // A prompt or resource fetch is no tool call: a replay leaves it out.
  if (trace.api !== 'mcp' || !trace.tool || trace.tool.kind) return null;
  const params = isObject(trace.request_body) ? trace.request_body : {};
  const args = isObject(params.arguments) ? params.arguments : {};
  const served = trace.status > 0 && trace.status < 400 && isObject(trace.response_body);
  const facts: RequestFacts = { ...factsFromSummary(trace), tool: { server: trace.tool.server, name: trace.tool.name, exposed: trace.tool.exposed, arguments: args } };
  return { facts, call: { arguments: args, result: served ? (trace.response_body as Record<string, unknown>) : null } };
}

/** A stored `prompts/get` or `resources/read`'s facts and what was answered (null when it was not), for replaying it; null for any other trace. */
export function contentFetchFromTrace(trace: Trace): { facts: RequestFacts; result: Record<string, unknown> | null } | null {
  if (trace.api !== 'mcp' || !trace.tool?.kind) return null;
  const served = trace.status > 0 && trace.status < 400 && isObject(trace.response_body);
  return { facts: factsFromSummary(trace), result: served ? (trace.response_body as Record<string, unknown>) : null };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The facts of a stored request, for replaying it against another policy. */
export function factsFromTrace(trace: Trace): RequestFacts {
  const input = slotTexts(requestTexts(trace.request_body));
  let output: string[] | null = null;
  if (trace.status > 0 && trace.status < 400) {
    output = trace.stream && typeof trace.response_body === 'string' ? [streamText(trace.response_body)] : responseTexts(trace.response_body).map((s) => s.text);
  }
  // The estimate the live path counted against token limits before the answer came.
  return { ...factsFromSummary(trace), input, output, estimatedTokens: estimateTokens(input, maxOutputOf(trace.request_body)) };
}
