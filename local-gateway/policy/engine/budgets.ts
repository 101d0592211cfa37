import type { Budget, ResolvedTier, Verdict } from '../schema.js';
import { isModelCall, type RequestFacts } from './facts.js';
import { matches, scopeKey } from './match.js';
import type { TierState } from './state.js';
import { verdict, type Role } from './verdict.js';

const budgetKey = (b: Budget) => `budget:${b.id}`;

/**
 * Budgets: every matching budget whose period's spend has reached its limit blocks. Spend
 * is added after the response, from its real cost (`chargeBudgets`).
 */
export function budgetStage(tier: ResolvedTier, facts: RequestFacts, state: TierState, role: Role): Verdict[] {
  const out: Verdict[] = [];
  for (const b of tier.budgets) {
    if (!matches(b.when, facts)) continue;
    const scope = scopeKey(b.scope, facts);
    const { value, window } = state.read(budgetKey(b), scope, b.limit.per, facts.at);
    if (value < b.limit.usd) continue;
    const retry = Math.max(1, Math.ceil((window.end - facts.at) / 1000));
    const reason = `${role.tier} budget "${b.id}" of $${b.limit.usd} per ${b.limit.per} for ${scope} is spent ($${value.toFixed(2)}): wait for the next period (${new Date(window.end).toISOString()}) or ask the policy owner to raise it.`;
    out.push({ ...verdict(role, 'budgets', b.id, 'block', b.mode, reason, [{ type: 'usd', detail: `${value.toFixed(4)}>=${b.limit.usd} ${scope}` }]), retry_after_s: retry });
  }
  return out;
}

/** Adds a request's cost to every budget it matches, in the period it started in. */
export function chargeBudgets(tier: ResolvedTier, facts: RequestFacts, state: TierState, usd: number): void {
  if (usd <= 0 || !isModelCall(facts)) return;
  for (const b of tier.budgets) {
    if (matches(b.when, facts)) state.add(budgetKey(b), scopeKey(b.scope, facts), b.limit.per, usd, facts.at);
  }
}
