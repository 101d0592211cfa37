/**
 * The budgets and rate-limit stages of the enforced tier when the gateway shares its limit
 * state with others (`limits.store`): the same rules as policy/engine/budgets.ts and
 * rate-limits.ts, decided by the shared store in one script call per rule and subject.
 * Before the provider call each admitted request reserves its estimate (tokens, and the
 * estimate's price against budgets); after it the reservation is reconciled to the real
 * usage, or refunded when the request was refused later or failed. Shadow tiers keep their
 * in-process counters: they only record.
 */
import { isModelCall, matchingRateLimit, tokensOf, windowOf, type RequestFacts } from '../policy/engine/index.js';
import { matches, scopeKey } from '../policy/engine/match.js';
import { verdict } from '../policy/engine/verdict.js';
import type { Budget, Verdict } from '../policy/schema.js';
import type { BudgetCall, RateCall, SharedLimits } from '../limits/types.js';
import type { PolicyEngine, RequestPolicy, TierRun } from './tier-runs.js';

/** What one request reserved in the shared store, to reconcile or refund. */
export type Reservation =
  | { kind: 'tokens'; call: RateCall }
  | { kind: 'usd'; call: BudgetCall };

const LOCAL_NOTE = (replicas: number) =>
  ` (decided by this replica alone, the shared limit store being out of reach: it enforces 1/${replicas} of the limit)`;

/** A counting stage's verdicts per tier: the enforced tier through the shared store, shadow tiers as before. */
export async function sharedStage(
  rp: RequestPolicy,
  engine: PolicyEngine & { shared: SharedLimits },
  stage: 'budgets' | 'rate_limits',
  shadow: (run: TierRun) => Verdict[],
  model: string | null,
): Promise<Verdict[][]> {
  return Promise.all(
    rp.runs.map(async (run) => {
      if (run.blocked) return [];
      if (!run.role.enforced) {
        const v = shadow(run);
        if (stage === 'rate_limits') run.counted = !v.some((x) => x.decision === 'block' && x.mode !== 'audit');
        return v;
      }
      return stage === 'budgets' ? sharedBudgets(engine, run, rp.facts, model) : sharedRateLimit(engine, run, rp.facts);
    }),
  );
}

async function sharedRateLimit(engine: PolicyEngine & { shared: SharedLimits }, run: TierRun, facts: RequestFacts): Promise<Verdict[]> {
  if (!isModelCall(facts)) return [];
  const rule = matchingRateLimit(run.tier, facts);
  if (!rule) return [];
  const scope = scopeKey(rule.scope, facts);
  const unit = rule.limit.requests !== undefined ? 'requests' : 'tokens';
  const limit = rule.limit.requests ?? rule.limit.tokens ?? 0;
  const amount = unit === 'requests' ? 1 : tokensOf(facts);
  const w = windowOf(rule.limit.per, facts.at);
  const call: RateCall = { tier: run.tier.name, rule: rule.id, scope, limit, periodMs: w.end - w.start, amount, op: 'take', now: facts.at };
  const d = await engine.shared.rate(call);
  if (d.where === 'local') run.localShare = true;
  const count = () => {
    run.counted = true;
    if (unit === 'tokens') (run.reserved ??= []).push({ kind: 'tokens', call });
  };
  if (d.ok) {
    count();
    return [];
  }
  if (rule.mode === 'audit') {
    await engine.shared.rate({ ...call, op: 'force' });
    count();
  }
  const retry = Math.max(1, Math.ceil(d.retryMs / 1000));
  const reason =
    `${run.role.tier} rate limit "${rule.id}" allows ${limit} ${unit} per ${rule.limit.per} for ${scope}; about ${Math.round(d.used)} in use` +
    (unit === 'tokens' ? ` and this request needs about ${amount}` : '') +
    `: retry after ${retry} s, or ask the policy owner to raise the limit.` +
    (d.where === 'local' ? LOCAL_NOTE(engine.shared.status().replicas) : '');
  return [{ ...verdict(run.role, 'rate_limits', rule.id, 'block', rule.mode, reason, [{ type: unit, detail: `${Math.round(d.used)}+${amount}>${limit} ${scope}` }]), retry_after_s: retry }];
}

async function sharedBudgets(engine: PolicyEngine & { shared: SharedLimits }, run: TierRun, facts: RequestFacts, model: string | null): Promise<Verdict[]> {
  const matching = run.tier.budgets.filter((b) => matches(b.when, facts));
  if (matching.length === 0) return [];
  const estimate = isModelCall(facts) ? estimatedCost(engine, model, facts.estimatedTokens) : 0;
  const decided = await Promise.all(matching.map(async (b) => {
    const call = budgetCall(engine, run, b, facts, estimate);
    const d = await engine.shared.budget(call);
    if (d.where === 'local') run.localShare = true;
    if (d.ok) (run.reserved ??= []).push({ kind: 'usd', call });
    else if (b.mode === 'audit') {
      // An audit budget records what it would refuse: the request still counts against it.
      await engine.shared.budget({ ...call, op: 'force' });
      (run.reserved ??= []).push({ kind: 'usd', call });
    }
    return { b, call, d };
  }));
  const out: Verdict[] = [];
  for (const { b, call, d } of decided) {
    if (d.ok) continue;
    const retry = Math.max(1, Math.ceil((call.windowEnd - facts.at) / 1000));
    const reason = `${run.role.tier} budget "${b.id}" of $${b.limit.usd} per ${b.limit.per} for ${call.scope} is spent ($${d.used.toFixed(2)}): wait for the next period (${new Date(call.windowEnd).toISOString()}) or ask the policy owner to raise it.` +
      (d.where === 'local' ? LOCAL_NOTE(engine.shared.status().replicas) : '');
    out.push({ ...verdict(run.role, 'budgets', b.id, 'block', b.mode, reason, [{ type: 'usd', detail: `${d.used.toFixed(4)}>=${b.limit.usd} ${call.scope}` }]), retry_after_s: retry });
  }
  return out;
}

function budgetCall(engine: PolicyEngine, run: TierRun, b: Budget, facts: RequestFacts, amount: number): BudgetCall {
  const w = windowOf(b.limit.per, facts.at);
  const scope = scopeKey(b.scope, facts);
  const values = Object.fromEntries(b.scope.map((s) => [s, scopeValue(s, facts)]));
  return {
    tier: run.tier.name, budget: b.id, scope, limit: b.limit.usd, windowStart: w.start, windowEnd: w.end, amount, op: 'take', now: facts.at,
    // The larger of what the rollups say (the central's) and this gateway's own counters (rebuilt from its traces at start).
    seed: async () => Math.max(
      (await engine.spend?.({ budget: b.id, scope: b.scope, values, since: w.start, tier: run.tier.name })) ?? 0,
      run.state.read(`budget:${b.id}`, scope, b.limit.per, facts.at).value,
    ),
  };
}

function scopeValue(s: string, facts: RequestFacts): string | null {
  if (s === 'user') return facts.user;
  if (s === 'team') return facts.team;
  if (s === 'model') return facts.resolvedModel ?? facts.model;
  return facts.metadata[s.slice('metadata.'.length)] ?? null;
}

/** The estimate's price at the dearer of the model's input and output rates; 0 when not yet known (then only the real cost counts). */
function estimatedCost(engine: PolicyEngine, model: string | null, tokens: number): number {
  if (model === null || tokens <= 0) return 0;
  const asIn = engine.prices.costNow(model, tokens, 0);
  const asOut = engine.prices.costNow(model, 0, tokens);
  return Math.max(asIn ?? 0, asOut ?? 0);
}

/**
 * After the answer: the token reservation becomes the real usage (`tokens`, or null when
 * the estimate stands), the cost reservation the real cost (`usd`; 0 for a request that
 * was not served). Resolves once the store has both.
 */
export async function reconcile(shared: SharedLimits, now: number, run: TierRun, tokens: number | null, usd: number): Promise<void> {
  const reserved = run.reserved ?? [];
  run.reserved = undefined;
  await Promise.all(reserved.map((r) => {
    if (r.kind === 'tokens') return tokens === null ? undefined : shared.rate({ ...r.call, op: 'adjust', amount: tokens - r.call.amount, now });
    return r.call.amount === usd ? undefined : shared.budget({ ...r.call, op: 'adjust', amount: usd - r.call.amount, now });
  }));
}
