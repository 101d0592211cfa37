import type { IncomingHttpHeaders } from 'node:http';
import { isInputRequiredResult, ProtocolError, type CallToolResult } from '@modelcontextprotocol/server';
import { GatehouseError } from '../core/errors.js';
import type { IdentityService } from '../identity/index.js';
import { resolveIdentity } from '../pipeline/auth.js';
import { createContext, timed, timedAsync, type RequestContext } from '../pipeline/context.js';
import { applyVerdicts, beginPolicy, runStage, shadowHeaders, type PolicyEngine, type RequestPolicy } from '../pipeline/tier-runs.js';
import { toolAccessStage } from '../policy/engine/access.js';
import { rateLimitStage, runGuardrails } from '../policy/engine/index.js';
import type { ToolCatalogue } from './catalogue.js';
import type { CallerChannel } from './upstream.js';
import { jsonRpcCode, McpFailure } from './errors.js';
import { EVERY_STRING, QUESTION_STRINGS, resultBody, type TextWalk } from '../contracts/tool-texts.js';

export interface ToolCallDeps {
  catalogue: ToolCatalogue;
  policy: PolicyEngine;
  identity: IdentityService;
  /** Writes the call's trace (the pipeline's recorder: masked, stored, published). */
  record(ctx: RequestContext): void;
}

type Hook = 'mcp_pre_tool' | 'mcp_post_tool';

/**
 * Runs one hook for every tier on the strings of `value` (those `walk` finds): the active
 * tier's verdicts are enforced (a block refuses the call), the shadow tiers' recorded. Returns
 * `value` with the active tier's redactions.
 */
export async function toolHook<T>(ctx: RequestContext, rp: RequestPolicy, hook: Hook, value: T, walk: TextWalk = EVERY_STRING): Promise<T> {
  if (!rp.runs.some((r) => r.tier.guardrails.some((g) => g.hook === hook))) return value;
  const { texts, paths } = walk.find(value);
  const subject = { facts: rp.facts, paths, shared: new Map<string, unknown>() };
  const outcomes = await timedAsync(ctx, hook, () =>
    Promise.all(rp.runs.map((run) => runGuardrails(run.tier, hook, rp.facts, texts, run.role, run.names, rp.guardrails, subject))),
  );
  applyVerdicts(ctx, outcomes.map((o) => o.verdicts), rp.runs);
  const redacted = outcomes[0]!.texts;
  return redacted === texts ? value : walk.put(value, redacted);
}

/**
 * The questions an upstream asks while it answers, through `mcp_post_tool` as its results go: a
 * sampling request is a prompt to the client's model, and as good a carrier of injection as a
 * tool result. A redaction rewrites the question; a block refuses it, and so the call.
 */
export function guardQuestions(ctx: RequestContext, rp: RequestPolicy, caller: CallerChannel | undefined): CallerChannel | undefined {
  if (!caller || !rp.runs.some((r) => r.tier.guardrails.some((g) => g.hook === 'mcp_post_tool'))) return caller;
  const { elicit, sample } = caller;
  return {
    ...caller,
    ...(elicit ? { elicit: async (params, withdrawn) => elicit(await toolHook(ctx, rp, 'mcp_post_tool', params, QUESTION_STRINGS), withdrawn) } : {}),
    ...(sample ? { sample: async (params, withdrawn) => sample(await toolHook(ctx, rp, 'mcp_post_tool', params, QUESTION_STRINGS), withdrawn) } : {}),
  };
}

/** A 2026-07-28 upstream's `input_required` result handed on as it is: its questions through `mcp_post_tool` as above. */
export async function guardAsked<T extends { inputRequests?: unknown }>(ctx: RequestContext, rp: RequestPolicy, asked: T): Promise<T> {
  return { ...asked, inputRequests: await toolHook(ctx, rp, 'mcp_post_tool', asked.inputRequests, QUESTION_STRINGS) };
}

/**
 * One `tools/call` through `/mcp`: find the upstream, run `mcp_pre_tool`, call it, run
 * `mcp_post_tool`, answer. Every call is a trace, refused and failed ones too; a failure is a
 * JSON-RPC error whose message says what happened, with the Gatehouse code and trace id in `data`.
 */
export async function callTool(deps: ToolCallDeps, params: { name: string; arguments?: Record<string, unknown> }, headers: IncomingHttpHeaders, signal: AbortSignal, caller?: CallerChannel): Promise<CallToolResult> {
  const ctx = createContext({ method: 'tools/call', path: '/mcp', api: 'mcp', tier: deps.policy.active, headers });
  ctx.requestText = JSON.stringify(params);
  ctx.requestIsJson = true;
  try {
    resolveIdentity(ctx, deps.identity.current());
    const route = await timedAsync(ctx, 'route', () => deps.catalogue.route(params.name));
    if (!route) throw new McpFailure('unknown_tool', `No MCP server behind Gatehouse exposes a tool "${params.name}": list the tools again (tools/list), or check the server ids in gatehouse.yaml.`);
    ctx.tool = { server: route.server, name: route.tool, exposed: route.exposed };
    const rp = beginPolicy(deps.policy, ctx, {}, []);
    rp.facts.tool = { ...ctx.tool, arguments: params.arguments ?? {} };
    timed(ctx, 'tool_access', () => applyVerdicts(ctx, rp.runs.map((run) => toolAccessStage(run.tier, rp.facts, run.role)), rp.runs));
    // Timed under its name: a restart rebuilds the counters from the traces that reached it. A retry that
    // brings a 2026-07-28 upstream's answers (our signed state) continues a call already counted.
    if (!caller?.resume) timed(ctx, 'rate_limits', () => runStage(ctx, rp, 'rate_limits', rateLimitStage));
    const args = await toolHook(ctx, rp, 'mcp_pre_tool', params.arguments ?? {});
    const upstream = deps.catalogue.upstreams.get(route.server)!;
    const raw = await timedAsync(ctx, 'upstream', () => upstream.call(route.tool, args, signal, guardQuestions(ctx, rp, caller)));
    // A 2026-07-28 upstream's questions, for a client that takes them as they are: the answer comes on its retry.
    if (isInputRequiredResult(raw)) return answered(ctx, (await guardAsked(ctx, rp, raw)) as unknown as CallToolResult);
    const body = await toolHook(ctx, rp, 'mcp_post_tool', resultBody(raw));
    return answered(ctx, { ...raw, ...body, _meta: { ...raw._meta, ...answerMeta(ctx) } } as CallToolResult);
  } catch (err) {
    throw failedCall(ctx, err, 'on a tool call');
  } finally {
    deps.record(ctx);
  }
}

function answered(ctx: RequestContext, result: CallToolResult): CallToolResult {
  ctx.status = 200;
  ctx.responseJson = JSON.stringify(result);
  return result;
}

/**
 * A failed MCP call as its trace records it and the JSON-RPC error the client gets: a coded
 * error keeps its code, anything else is an internal error that says where (`during`).
 */
export function failedCall(ctx: RequestContext, err: unknown, during: string): ProtocolError {
  const g = err instanceof GatehouseError ? err : new GatehouseError('GH_ERR_INTERNAL', `Gatehouse failed unexpectedly ${during} (${(err as Error).message}); the trace has the details. Please report it.`, { cause: err });
  const code = jsonRpcCode(g);
  ctx.status = g.statusCode;
  ctx.errorCode = g.code;
  ctx.errorMessage = g.message;
  ctx.responseJson = JSON.stringify({ error: { code, message: g.message } });
  return new ProtocolError(code, g.message, { gatehouse_code: g.code, ...answerMeta(ctx) });
}

/** What the answer carries of Gatehouse's own, in `_meta` (JSON-RPC has no headers): the trace, the tier, what a shadow tier would have done. */
export function answerMeta(ctx: RequestContext): Record<string, unknown> {
  const shadow = shadowHeaders(ctx);
  return { 'gatehouse/trace_id': ctx.id, 'gatehouse/tier': ctx.tier, ...(shadow.length > 0 ? { 'gatehouse/shadow': shadow } : {}) };
}
