/** A circuit breaker's settings: consecutive failures that open it, and how long it stays open. */
export interface BreakerSettings {
  failures: number;
  cooldown_ms: number;
}

interface BreakerState {
  failures: number;
  /** When the circuit opened; 0 while closed. */
  openedAt: number;
  /** A half-open circuit lets one trial call through at a time. */
  trial: boolean;
}

/**
 * Circuit breakers, one per key (a virtual model's target), shared by every request: after
 * `failures` consecutive failures a target is skipped for `cooldown_ms`, then one trial call
 * decides whether it closes again. The clock is injected so tests move time.
 */
export class Breakers {
  private readonly states = new Map<string, BreakerState>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Milliseconds until the target may be tried again; 0 when it may be tried now. */
  blockedFor(target: string, s: BreakerSettings): number {
    const st = this.states.get(target);
    if (!st || st.openedAt === 0) return 0;
    const left = st.openedAt + s.cooldown_ms - this.clock();
    if (left > 0) return left;
    if (st.trial) return 1;
    st.trial = true;
    return 0;
  }

  success(target: string): void {
    this.states.delete(target);
  }

  failure(target: string, s: BreakerSettings): void {
    const st = this.states.get(target) ?? { failures: 0, openedAt: 0, trial: false };
    st.failures++;
    // A failed trial re-opens at once; otherwise the count has to reach the threshold.
    if (st.trial || st.failures >= s.failures) st.openedAt = this.clock();
    st.trial = false;
    this.states.set(target, st);
  }
}
