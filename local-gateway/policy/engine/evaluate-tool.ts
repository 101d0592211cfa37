import { leafStrings, resultBody, textFields } from '../../contracts/tool-texts.js';
import type { ResolvedTier, Verdict } from '../schema.js';
import { contentAccessStage, toolAccessStage } from './access.js';
import type { RequestFacts } from './facts.js';
import { runGuardrails } from './guardrails.js';
import { rateLimitStage } from './rate-limits.js';
import type { TierState } from './state.js';
import { blocks, type Role } from './verdict.js';

/** A tool call as a replay knows it: what the client sent, and what the server answered (null when it did not). */
export interface ToolCallRecord {
  arguments: Record<string, unknown>;
  result: Record<string, unknown> | null;
}

/** The stages of a tool call, in the order `/mcp` runs them (the upstream call sits between the hooks). */
export const TOOL_STAGES = ['tool_access', 'rate_limits', 'mcp_pre_tool', 'mcp_post_tool'] as const;

/**
 * Evaluates one tool call against one tier, as a shadow tier sees it: tool access, the rate
 * limits that name tools, then
 * `mcp_pre_tool` on the arguments and, when there is a result, `mcp_post_tool` on it, every
 * stage run so every rule that would fire is named. `facts.tool` must be set. The live call
 * (`mcp/call.ts`) runs the same stage functions, enforcing the active tier between them.
 */
export async function evaluateToolCall(tier: ResolvedTier, facts: RequestFacts, call: ToolCallRecord, state: TierState, role: Role = { tier: tier.name, enforced: false }): Promise<Verdict[]> {
  const verdicts = toolAccessStage(tier, facts, role);
  // A call the tier would refuse never reaches its counters, as on the live path.
  if (!verdicts.some(blocks)) verdicts.push(...rateLimitStage(tier, facts, state, role));
  const hook = async (name: 'mcp_pre_tool' | 'mcp_post_tool', value: unknown) => {
    const { texts, paths } = leafStrings(value);
    const out = await runGuardrails(tier, name, facts, texts, role, undefined, undefined, { facts, paths, shared: new Map() });
    verdicts.push(...out.verdicts);
  };
  await hook('mcp_pre_tool', call.arguments);
  if (call.result !== null) await hook('mcp_post_tool', resultBody(call.result));
  return verdicts;
}

/**
 * Evaluates one `prompts/get` or `resources/read` against one tier, as `/mcp` runs it
 * (`mcp/content-call.ts`): the tier's `prompts`/`resources` lists, then, when there is a
 * result, `mcp_post_tool` on its texts. `facts.content` must be set.
 */
export async function evaluateContentFetch(tier: ResolvedTier, facts: RequestFacts, result: Record<string, unknown> | null, role: Role = { tier: tier.name, enforced: false }): Promise<Verdict[]> {
  const verdicts = contentAccessStage(tier, facts, role);
  if (result === null) return verdicts;
  const { texts, paths } = textFields(result);
  const out = await runGuardrails(tier, 'mcp_post_tool', facts, texts, role, undefined, undefined, { facts, paths, shared: new Map() });
  return [...verdicts, ...out.verdicts];
}
