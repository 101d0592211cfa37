import { chargeBudgets, factsFromSummary, windowOf } from '../policy/engine/index.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { TracePage, TraceQuery } from '../store/schema.js';
import { stateOf, type PolicyEngine } from './tier-runs.js';

/**
 * Rebuilds each tier's budget spend for the current periods from the stored traces (their
 * models and token counts, priced again), so a restart does not hand out a fresh budget.
 * Traces are the record of what was spent; no second ledger can disagree with them.
 */
export async function restoreSpend(
  engine: PolicyEngine,
  traces: { list(q: TraceQuery): TracePage },
  providers: ReadonlyMap<string, ProviderAdapter>,
): Promise<number> {
  const policy = engine.source.current();
  const tiers = [...policy.tiers.values()].filter((t) => t.budgets.length > 0);
  if (tiers.length === 0) return 0;
  const now = engine.clock();
  const since = Math.min(...tiers.flatMap((t) => t.budgets.map((b) => windowOf(b.limit.per, now).start)));
  let cursor: string | undefined;
  let charged = 0;
  do {
    const page = traces.list({ since: String(since), limit: 500, cursor });
    for (const t of page.traces) {
      if (t.resolved_model === null || (t.tokens_in === null && t.tokens_out === null)) continue;
      const kind = (t.provider && providers.get(t.provider)?.kind) ?? null;
      const usd = await engine.prices.cost(t.resolved_model, kind, t.tokens_in ?? 0, t.tokens_out ?? 0);
      if (!usd) continue;
      for (const tier of tiers) chargeBudgets(tier, factsFromSummary(t), stateOf(engine, tier.name), usd);
      charged++;
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return charged;
}
