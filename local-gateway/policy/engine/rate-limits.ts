import type { RateLimit, ResolvedTier } from '../schema.js';
import { isModelCall, tokensOf, type RequestFacts } from './facts.js';
import { matches, scopeKey } from './match.js';
import type { TierState } from './state.js';
import { verdict, type Role } from './verdict.js';
import type { Verdict } from '../schema.js';

const rlKey = (r: RateLimit) => `rate_limit:${r.id}`;

/**
 * The rate limit that applies to a request: the first whose `when` matches (first match wins).
 * A tool call counts only against rules that name tools (`when.tools`): a limit written for
 * model calls never starts counting tool calls.
 */
export function matchingRateLimit(tier: ResolvedTier, facts: RequestFacts): RateLimit | null {
  if (facts.tool) return tier.rate_limits.find((r) => r.when?.tools !== undefined && matches(r.when, facts)) ?? null;
  return tier.rate_limits.find((r) => matches(r.when, facts)) ?? null;
}

/** Whether a request is counted by rate limits: model calls, and tool calls (by the rules that name tools). */
const limited = (facts: RequestFacts) => isModelCall(facts) || facts.tool !== undefined;

function unitOf(r: RateLimit): { limit: number; unit: 'requests' | 'tokens' } {
  return r.limit.requests !== undefined ? { limit: r.limit.requests, unit: 'requests' } : { limit: r.limit.tokens ?? 0, unit: 'tokens' };
}

/**
 * Rate limits: the first matching rule counts the request (1 request, or its tokens: the
 * estimate now, corrected by `settleTokens` from the real usage). A request the tier would
 * refuse is not counted, as that tier would never have served it.
 */
export function rateLimitStage(tier: ResolvedTier, facts: RequestFacts, state: TierState, role: Role): Verdict[] {
  if (!limited(facts)) return [];
  const rule = matchingRateLimit(tier, facts);
  if (!rule) return [];
  const scope = scopeKey(rule.scope, facts);
  const { limit, unit } = unitOf(rule);
  const amount = unit === 'requests' ? 1 : tokensOf(facts);
  const { value, window } = state.read(rlKey(rule), scope, rule.limit.per, facts.at);
  if (value + amount <= limit) {
    state.add(rlKey(rule), scope, rule.limit.per, amount, facts.at);
    return [];
  }
  const retry = Math.max(1, Math.ceil((window.end - facts.at) / 1000));
  const reason =
    `${role.tier} rate limit "${rule.id}" allows ${limit} ${unit} per ${rule.limit.per} for ${scope}; ${value} used in this window` +
    (unit === 'tokens' ? ` and this request needs about ${amount}` : '') +
    `: retry after ${retry} s, or ask the policy owner to raise the limit.`;
  if (rule.mode === 'audit') state.add(rlKey(rule), scope, rule.limit.per, amount, facts.at);
  return [{ ...verdict(role, 'rate_limits', rule.id, 'block', rule.mode, reason, [{ type: unit, detail: `${value}+${amount}>${limit} ${scope}` }]), retry_after_s: retry }];
}

/** Moves a token limit's count from the estimate to the real usage once the response is in. */
export function settleTokens(tier: ResolvedTier, facts: RequestFacts, state: TierState, actual: number): void {
  if (!isModelCall(facts)) return;
  const rule = matchingRateLimit(tier, facts);
  if (!rule || rule.limit.tokens === undefined) return;
  state.add(rlKey(rule), scopeKey(rule.scope, facts), rule.limit.per, actual - facts.estimatedTokens, facts.at);
}

/**
 * Counts a request its tier served against the first matching rate limit, without checking
 * the limit: the tier already decided (used to rebuild counters from stored traces).
 */
export function countRateLimit(tier: ResolvedTier, facts: RequestFacts, state: TierState): void {
  if (!limited(facts)) return;
  const rule = matchingRateLimit(tier, facts);
  if (!rule) return;
  const amount = rule.limit.requests !== undefined ? 1 : tokensOf(facts);
  state.add(rlKey(rule), scopeKey(rule.scope, facts), rule.limit.per, amount, facts.at);
}
