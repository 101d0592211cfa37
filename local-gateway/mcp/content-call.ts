import type { IncomingHttpHeaders } from 'node:http';
import { isInputRequiredResult, ProtocolError, type GetPromptRequestParams, type GetPromptResult, type ReadResourceRequestParams, type ReadResourceResult } from '@modelcontextprotocol/server';
import { resolveIdentity } from '../pipeline/auth.js';
import { createContext, timed, timedAsync } from '../pipeline/context.js';
import { applyVerdicts, beginPolicy } from '../pipeline/tier-runs.js';
import { contentAccessStage } from '../policy/engine/access.js';
import { TEXT_STRINGS } from '../contracts/tool-texts.js';
import { answerMeta, failedCall, guardAsked, guardQuestions, toolHook, type ToolCallDeps } from './call.js';
import type { CallerChannel, Upstream } from './upstream.js';

/**
 * `prompts/get` and `resources/read` through `/mcp`, each a trace like a tool call: the tier's
 * `prompts`/`resources` lists decide whether it may be fetched, and the `mcp_post_tool`
 * guardrails scan what comes back (a resource is as good a carrier of indirect prompt
 * injection as a tool result), the active tier enforced, the shadow tiers recorded. No
 * `mcp_pre_tool` runs: its types (`tool_permissions`, `sql`) judge a tool and its arguments.
 */

type Kind = 'prompt' | 'resource';

/** Where a fetch goes: the upstream, its own name for the thing, the name `/mcp` shows. */
interface Target {
  upstream: Upstream;
  name: string;
  exposed: string;
}

/** `caller`: where the upstream's questions go while it answers (a session's client, or a stateless one's parked call: input-flows.ts). */
export function getPrompt(deps: ToolCallDeps, params: GetPromptRequestParams, headers: IncomingHttpHeaders, caller?: CallerChannel, signal?: AbortSignal): Promise<GetPromptResult> {
  const content = deps.catalogue.content;
  return fetchTraced<GetPromptResult>(
    deps, 'prompt', params, headers,
    async () => {
      const route = await content.promptRoute(params.name);
      return { upstream: deps.catalogue.upstreams.get(route.server)!, name: route.name, exposed: params.name };
    },
    (t, guard) => content.getPrompt({ server: t.upstream.id, name: t.name }, params, guard(caller), signal),
  );
}

export function readResource(deps: ToolCallDeps, params: ReadResourceRequestParams, headers: IncomingHttpHeaders, caller?: CallerChannel, signal?: AbortSignal): Promise<ReadResourceResult> {
  const content = deps.catalogue.content;
  return fetchTraced<ReadResourceResult>(
    deps, 'resource', params, headers,
    async () => ({ upstream: await content.resourceOwner(params.uri), name: params.uri, exposed: params.uri }),
    (t, guard) => content.readResource(t.upstream, params, guard(caller), signal),
  );
}

async function fetchTraced<R extends Record<string, unknown>>(
  deps: ToolCallDeps,
  kind: Kind,
  params: GetPromptRequestParams | ReadResourceRequestParams,
  headers: IncomingHttpHeaders,
  find: () => Promise<Target>,
  /** `guard` puts the upstream's questions to the client through `mcp_post_tool` (call.ts). */
  send: (t: Target, guard: (caller?: CallerChannel) => CallerChannel | undefined) => Promise<R>,
): Promise<R> {
  const ctx = createContext({ method: kind === 'prompt' ? 'prompts/get' : 'resources/read', path: '/mcp', api: 'mcp', tier: deps.policy.active, headers });
  ctx.requestText = JSON.stringify(params);
  ctx.requestIsJson = true;
  try {
    resolveIdentity(ctx, deps.identity.current());
    const target = await timedAsync(ctx, 'route', find);
    ctx.tool = { server: target.upstream.id, name: target.name, exposed: target.exposed, kind };
    const rp = beginPolicy(deps.policy, ctx, {}, []);
    rp.facts.content = { kind, server: target.upstream.id, exposed: target.exposed };
    timed(ctx, 'tool_access', () => applyVerdicts(ctx, rp.runs.map((run) => contentAccessStage(run.tier, rp.facts, run.role)), rp.runs));
    const raw = await timedAsync(ctx, 'upstream', () => send(target, (caller) => guardQuestions(ctx, rp, caller)));
    // A 2026-07-28 upstream's questions, for a client that takes them as they are: the answer comes on its retry.
    if (isInputRequiredResult(raw)) {
      const asked = (await guardAsked(ctx, rp, raw)) as unknown as R;
      ctx.status = 200;
      ctx.responseJson = JSON.stringify(asked);
      return asked;
    }
    const { _meta, ...body } = raw;
    const result = { ...(await toolHook(ctx, rp, 'mcp_post_tool', body, TEXT_STRINGS)), _meta: { ...(_meta as Record<string, unknown> | undefined), ...answerMeta(ctx) } } as unknown as R;
    ctx.status = 200;
    ctx.responseJson = JSON.stringify(result);
    return result;
  } catch (err) {
    // Not found (at the gateway or upstream) and invalid params: the client's mistake, passed on with its own code.
    if (err instanceof ProtocolError) {
      ctx.status = 400;
      ctx.errorMessage = err.message;
      ctx.responseJson = JSON.stringify({ error: { code: err.code, message: err.message } });
      throw new ProtocolError(err.code, err.message, { ...(err.data as Record<string, unknown> | undefined), ...answerMeta(ctx) });
    }
    throw failedCall(ctx, err, `fetching a ${kind}`);
  } finally {
    deps.record(ctx);
  }
}
