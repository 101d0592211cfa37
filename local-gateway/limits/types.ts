import { z } from 'zod';

/**
 * How a decision treats the limit: `take` refuses past it, `force` counts regardless (an
 * audit rule), `adjust` corrects (reconcile, refund); `owed` (budgets) hands the store what a
 * replica spent on its local share during an outage.
 */
export type LimitOp = 'take' | 'force' | 'adjust' | 'owed';

/** One rate-limit decision for one subject (GCRA: `limit` units per `periodMs`). */
export interface RateCall {
  tier: string;
  rule: string;
  scope: string;
  limit: number;
  periodMs: number;
  amount: number;
  op: Exclude<LimitOp, 'owed'>;
  now: number;
}

/** One budget decision for one subject in one calendar period. */
export interface BudgetCall {
  tier: string;
  budget: string;
  scope: string;
  limit: number;
  windowStart: number;
  windowEnd: number;
  amount: number;
  op: LimitOp;
  now: number;
  /** The subject's spend this period from the usage rollups, when the store has none. */
  seed: () => Promise<number>;
}

export interface LimitDecision {
  ok: boolean;
  /** Units in use: requests or tokens for a rate limit (GCRA's equivalent), USD for a budget. */
  used: number;
  /** A rate limit's wait until the request fits; 0 when admitted. */
  retryMs: number;
  /** `local`: decided by this replica's share, the shared store being out of reach. */
  where: 'shared' | 'local';
}

/** What `GET /api/status` says under `limits`. */
export const LimitStoreStatusSchema = z.object({
  kind: z.enum(['redis']),
  /** The store's URL without its password. */
  url: z.string(),
  replicas: z.number().int(),
  /** `local`: the shared store is out of reach and this replica enforces limit / replicas. */
  state: z.enum(['shared', 'local']),
  local_since: z.string().nullable(),
  reason: z.string().nullable(),
  counters: z.object({
    shared_decisions: z.number().int(),
    local_decisions: z.number().int(),
    timeouts: z.number().int(),
    errors: z.number().int(),
    noscript_reloads: z.number().int(),
    reseeds: z.number().int(),
  }),
});
export type LimitStoreStatus = z.infer<typeof LimitStoreStatusSchema>;

/** Limit state several gateways share (Redis); absent, each gateway counts in process (`TierState`). */
export interface SharedLimits {
  rate(c: RateCall): Promise<LimitDecision>;
  budget(c: BudgetCall): Promise<LimitDecision>;
  status(): LimitStoreStatus;
  close(): Promise<void>;
}

/**
 * Where a budget's spend so far this period comes from when the shared store has none: the
 * central's usage rollups, or this gateway's own counters. Null when it cannot say.
 */
export type SpendSource = (q: { budget: string; scope: readonly string[]; values: Readonly<Record<string, string | null>>; since: number; tier: string }) => Promise<number | null>;
