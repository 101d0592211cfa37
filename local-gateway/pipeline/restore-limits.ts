import { countRateLimit, factsFromSummary, isModelCall, rateLimitStage, windowOf, type RequestFacts, type TierState } from '../policy/engine/index.js';
import type { ResolvedTier } from '../policy/schema.js';
import type { TraceUsage } from '../store/schema.js';
import { stateOf, type PolicyEngine } from './tier-runs.js';

/** Stored traces oldest first: counters must move in the order the requests came. */
export interface TraceHistory {
  since(since: number): Iterable<TraceUsage>;
}

/**
 * Rebuilds each tier's rate-limit counters for the windows still open from the stored
 * traces, so restarting the gateway does not hand out a fresh window. A trace counts where
 * live traffic counted it: only if it reached the rate-limit stage (its `rate_limits` phase
 * is timed), against the first matching rule, with its real usage as tokens (none for a
 * request that failed before answering, as `release` does live). The active tier counts
 * every request it did not refuse at its limit; a shadow tier (or a tier that was not the
 * enforced one then) runs the same stage again, so a request it would refuse is left out.
 */
export function restoreLimits(engine: PolicyEngine, traces: TraceHistory): number {
  const policy = engine.source.current();
  const names = [engine.active, ...engine.shadows].filter((n) => (policy.tiers.get(n)?.rate_limits.length ?? 0) > 0);
  if (names.length === 0) return 0;
  const tiers = names.map((n) => policy.tiers.get(n)!);
  const now = engine.clock();
  const since = Math.min(...tiers.flatMap((t) => t.rate_limits.map((r) => windowOf(r.limit.per, now).start)));
  let counted = 0;
  for (const t of traces.since(since)) {
    if (t.phases.rate_limits === undefined || !(isModelCall(t) || t.tool)) continue;
    const facts = factsFromSummary(t);
    for (const tier of tiers) count(tier, facts, stateOf(engine, tier.name), t);
    counted++;
  }
  return counted;
}

/** The tier that enforced the request says whether it counted it; any other tier decides again. */
function count(tier: ResolvedTier, facts: RequestFacts, state: TierState, t: TraceUsage): void {
  if (t.tier !== tier.name) rateLimitStage(tier, facts, state, { tier: tier.name, enforced: false });
  else if (t.error_code !== 'GH_ERR_RATE_LIMITED') countRateLimit(tier, facts, state);
}
