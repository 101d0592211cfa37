import type { ResolvedTier, Verdict } from '../schema.js';
import { metadataStage, modelAccessStage } from './access.js';
import { tokensOf, type RequestFacts } from './facts.js';
import { runGuardrails } from './guardrails.js';
import { budgetStage, chargeBudgets } from './budgets.js';
import { rateLimitStage, settleTokens } from './rate-limits.js';
import type { TierState } from './state.js';
import { blocks, type Role } from './verdict.js';

export { blocks } from './verdict.js';
export type { Role } from './verdict.js';

/**
 * The policy stages before the provider call, in the pipeline's order, as replay and the
 * engine's tests run them (the pipeline runs the same functions from pipeline/stage-list.ts,
 * around its route planning). Each takes the tier,
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
  /** Whether the answer was streamed: an output block then ends the stream before its usage is known. */
  stream?: boolean;
  /** Whether the request got an answer (default true); one that failed used no tokens and cost nothing. */
  served?: boolean;
}

/**
 * Evaluates one whole request against one tier, as a shadow tier sees it: every stage runs,
 * so every rule that would fire is named, and the counters move as that tier would have
 * moved them (a request it would refuse is not counted against its limits or budgets).
 * Input guardrails scan `facts.input`; output guardrails run when `facts.output` is set.
 * Token limits count the real usage when the facts carry it, else the estimate.
 *
 * This is what `gatehouse policy replay` runs over stored traces, with a fresh `TierState`
 * whose clock is each trace's start time.
 */
export async function evaluateRequest(tier: ResolvedTier, facts: RequestFacts, state: TierState, opts: EvaluateOptions = {}): Promise<Verdict[]> {
  const role = opts.role ?? { tier: tier.name, enforced: false };
  // Before the answer the pipeline knows only the estimate; the real usage settles it after.
  const before: RequestFacts = { ...facts, tokensIn: null, tokensOut: null };
  const verdicts: Verdict[] = [];
  // Once the tier would have refused the request, its limits and budgets never see it, as
  // in the pipeline; the stateless rules still run, to name everything the tier objects to.
  const refused = () => verdicts.some(blocks);
  let counted = false;
  for (const [name, stage] of Object.entries(PRE_STAGES)) {
    if ((name === 'budgets' || name === 'rate_limits') && refused()) continue;
    const v = stage(tier, before, state, role);
    if (name === 'rate_limits') counted = !v.some(blocks);
    verdicts.push(...v);
  }
  verdicts.push(...(await runGuardrails(tier, 'llm_input', before, before.input, role)).verdicts);
  const served = !refused() && opts.served !== false;
  if (facts.output !== null) verdicts.push(...(await runGuardrails(tier, 'llm_output', facts, facts.output, role)).verdicts);
  const cut = opts.stream === true && verdicts.some((v) => v.stage === 'output_guardrails' && blocks(v));
  const usageKnown = facts.tokensIn !== null || facts.tokensOut !== null;
  // As the pipeline settles: real usage when served, nothing when refused, failed or cut, and
  // the estimate stands for an answer that reported no usage.
  if (counted && !(served && !cut && !usageKnown)) settleTokens(tier, before, state, served && !cut ? tokensOf(facts) : 0);
  if (opts.costUsd && served && !cut) chargeBudgets(tier, before, state, opts.costUsd);
  return verdicts;
}
