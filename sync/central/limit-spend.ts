import type { SpendSource } from '../../local-gateway/limits/types.js';
import type { CentralStorage, UsageDimension } from './storage.js';

/**
 * Where the central's shared limit store reseeds a budget it has lost (a Redis restart
 * without persistence): the org's usage rollups since the period began, for a budget scoped
 * by one dimension (user, team, a metadata key) or by none. A scope of several dimensions
 * has no rollup: then the replica's own counters answer.
 */
export function rollupSpend(storage: CentralStorage): SpendSource {
  return async ({ scope, values, since }) => {
    if (scope.length > 1) return null;
    const by: UsageDimension = scope.length === 0 ? 'day' : (scope[0] as UsageDimension);
    if (by === 'model') return null;
    const rows = await storage.usage({ by, since });
    if (scope.length === 0) return rows.reduce((sum, r) => sum + r.cost_usd, 0);
    return rows.find((r) => r.key === (values[scope[0]!] ?? null))?.cost_usd ?? 0;
  };
}
