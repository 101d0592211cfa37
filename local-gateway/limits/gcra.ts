/**
 * GCRA (the generic cell rate algorithm), weighted: a limit of `limit` units per `periodMs`
 * is one unit every `periodMs / limit` ms, with a whole period of tolerance, so a quiet
 * subject may spend its full allowance at once and then earns it back continuously. There
 * are no window boundaries to burst across (fixed windows admit twice the limit around one).
 * The state is one number, the theoretical arrival time (TAT). The Lua script in
 * `scripts.ts` is the same arithmetic; this copy serves a replica's local share while the
 * shared store is out of reach.
 */
export interface GcraResult {
  ok: boolean;
  /** Units in use after the decision (before it, when refused). */
  used: number;
  /** When refused: milliseconds until the request would fit. */
  retryMs: number;
  /** The TAT to store. */
  tat: number;
}

/**
 * One decision. `take` admits only within the tolerance; `force` (an audit rule) and
 * `adjust` (reconcile, refund: `amount` may be negative) always apply. A refund never
 * banks credit past a full allowance (TAT never falls below now).
 */
export function gcra(stored: number, now: number, limit: number, periodMs: number, amount: number, op: 'take' | 'force' | 'adjust'): GcraResult {
  const t = periodMs / limit;
  const tat = Math.max(stored, now);
  const next = tat + amount * t;
  if (op === 'take' && next - now > periodMs) return { ok: false, used: (tat - now) / t, retryMs: next - periodMs - now, tat };
  const kept = Math.max(next, now);
  return { ok: true, used: (kept - now) / t, retryMs: 0, tat: kept };
}
