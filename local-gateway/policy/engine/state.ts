import { windowOf, type Window } from './window.js';

interface Counter {
  windowStart: number;
  windowEnd: number;
  value: number;
}

/** Past this many counters, the ones whose window is over are dropped (scopes come and go: users, tickets). */
const PRUNE_AT = 10_000;

/** One counter's value in the window that holds "now". */
export interface CounterReading {
  value: number;
  window: Window;
}

/**
 * Counters of one tier: requests and tokens per rate-limit rule and scope, USD per budget
 * and scope. Each tier has its own, so a shadow tier counts the real traffic as if it were
 * in force ("prod would have rate-limited your 3rd request"). The clock is injected so tests
 * and replays move time instead of waiting for it.
 */
export class TierState {
  private readonly counters = new Map<string, Counter>();

  constructor(readonly clock: () => number = Date.now) {}

  read(rule: string, scopeKey: string, period: string, now = this.clock()): CounterReading {
    const window = windowOf(period, now);
    const c = this.counters.get(key(rule, scopeKey));
    return { value: c && c.windowStart === window.start ? c.value : 0, window };
  }

  /** Adds to the counter of the window holding `at`; a counter from an earlier window starts over. */
  add(rule: string, scopeKey: string, period: string, amount: number, at = this.clock()): void {
    const window = windowOf(period, at);
    const k = key(rule, scopeKey);
    const c = this.counters.get(k);
    if (!c || c.windowStart < window.start) {
      if (!c && this.counters.size >= PRUNE_AT) this.prune(at);
      this.counters.set(k, { windowStart: window.start, windowEnd: window.end, value: amount });
    }
    // An amount for an older window (a late correction) is dropped: that window is over.
    else if (c.windowStart === window.start) c.value += amount;
  }

  private prune(now: number): void {
    for (const [k, c] of this.counters) if (c.windowEnd <= now) this.counters.delete(k);
  }

  /** How many counters are held (for tests and the status page). */
  get size(): number {
    return this.counters.size;
  }
}

function key(rule: string, scopeKey: string): string {
  return `${rule}\u0000${scopeKey}`;
}
