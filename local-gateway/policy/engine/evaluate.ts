import type { ResolvedTier, Verdict } from '../schema.js';
import { metadataStage, modelAccessStage } from './access.js';
import { tokensOf, type RequestFacts } from './facts.js';
import { runGuardrails } from './guardrails.js';
import { budgetStage, chargeBudgets, rateLimitStage } from './limits.js';
import type { TierState } from './state.js';
import type { Role } from './verdict.js';
import '../../guardrails/index.js';

export { blocks } from './verdict.js';
export type { Role } from './verdict.js';

/**
 * The policy stages before the provider call, in the pipeline's order. Each takes the tier,
 * the request's facts and the tier's counters, and returns what its rules decided; the same
 * function serves the active tier (enforced) and every shadow tier (recorded only).
 */
export const PRE_STAGES = {
  metadata: (tier: ResolvedTier, facts: RequestFacts, _state: TierState, role: Role) => metadataStage(tier, facts, role),
  model_access: (tier: ResolvedTier, facts: RequestFacts, _state: TierState, role: Role) => modelAccessStage(tier, facts, role),
  budgets: budgetStage,
  rate_limits: rateLimitStage,
} as const;

export interface EvaluateOptions {
  /** Defaults to the tier's name, not enforced (a replay or a shadow evaluation). */
  role?: Role;
  /** The request's cost, added to the budgets it matches after the stages ran. */
  costUsd?: number | null;
}

/**
 * Evaluates one whole request against one tier, as a shadow tier sees it: every stage runs,
 * so every rule that would fire is named, and the counters move as that tier would have
 * moved them (a request it would refuse at a limit is not counted against that limit).
 * Input guardrails scan `facts.input`; output guardrails run when `facts.output` is set.
 * Token limits count the real usage when the facts carry it, else the estimate.
 *
 * This is what `gatehouse policy replay` runs over stored traces, with a fresh `TierState`
 * whose clock is each trace's start time.
 */
export async function evaluateRequest(tier: ResolvedTier, facts: RequestFacts, state: TierState, opts: EvaluateOptions = {}): Promise<Verdict[]> {
  const role = opts.role ?? { tier: tier.name, enforced: false };
  const counted = { ...facts, estimatedTokens: tokensOf(facts) };
  const verdicts: Verdict[] = [];
  for (const stage of Object.values(PRE_STAGES)) verdicts.push(...stage(tier, counted, state, role));
  verdicts.push(...(await runGuardrails(tier, 'llm_input', counted, counted.input, role)).verdicts);
  if (counted.output !== null) verdicts.push(...(await runGuardrails(tier, 'llm_output', counted, counted.output, role)).verdicts);
  if (opts.costUsd) chargeBudgets(tier, counted, state, opts.costUsd);
  return verdicts;
}
