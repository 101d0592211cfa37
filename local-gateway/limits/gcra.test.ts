import { describe, expect, it } from 'vitest';
import { gcra } from './gcra.js';

const HOUR = 3_600_000;

/** Runs `take`s of `amount` at `now` until one is refused; returns how many were admitted and the last TAT. */
function fill(tat: number, now: number, limit: number, amount: number): { n: number; tat: number; retryMs: number } {
  for (let n = 0; ; n++) {
    const r = gcra(tat, now, limit, HOUR, amount, 'take');
    if (!r.ok) return { n, tat, retryMs: r.retryMs };
    tat = r.tat;
  }
}

describe('weighted GCRA', () => {
  it('admits a whole allowance at once, then one unit per period/limit; the refusal says how long until the next fits', () => {
    const first = fill(0, 0, 5, 1);
    expect(first.n).toBe(5);
    expect(first.retryMs).toBe(HOUR / 5);
    expect(fill(first.tat, HOUR / 5 - 1, 5, 1).n).toBe(0);
    expect(fill(first.tat, HOUR / 5, 5, 1).n).toBe(1);
  });

  it('has no window boundary to burst across: at any instant at most the limit fits in one period', () => {
    // A full allowance spent just before the top of an hour earns back only what time passed.
    const spent = fill(0, HOUR - 1000, 100, 1);
    expect(spent.n).toBe(100);
    expect(fill(spent.tat, HOUR + 1000, 100, 1).n).toBe(Math.floor(2000 / (HOUR / 100)));
  });

  it('weights: tokens count by their amount, and an adjust (reconcile, refund) moves the count without a check', () => {
    const a = gcra(0, 0, 1000, HOUR, 600, 'take');
    expect(a.ok).toBe(true);
    expect(gcra(a.tat, 0, 1000, HOUR, 500, 'take').ok).toBe(false);
    const refunded = gcra(a.tat, 0, 1000, HOUR, -200, 'adjust');
    expect(refunded.used).toBeCloseTo(400);
    expect(gcra(refunded.tat, 0, 1000, HOUR, 500, 'take').ok).toBe(true);
    // Past the limit on reconcile is kept (the request was served): the next one waits longer.
    expect(gcra(a.tat, 0, 1000, HOUR, 900, 'adjust').used).toBeCloseTo(1500);
  });

  it('a refund never banks credit past a whole allowance', () => {
    const r = gcra(0, 10_000, 5, HOUR, -3, 'adjust');
    expect(r.tat).toBe(10_000);
    expect(fill(r.tat, 10_000, 5, 1).n).toBe(5);
  });
});
