import { describe, expect, it } from 'vitest';
import { IngestGate } from './ingest-gate.js';

describe('IngestGate', () => {
  it('refuses past its limit and times each batch it took from arrival to answer, into buckets a quantile is read from', () => {
    let now = 0;
    const gate = new IngestGate(2, () => now);
    expect(gate.quantileMs(0.99)).toBeNaN();
    const a = gate.enter();
    const b = gate.enter();
    expect(() => gate.enter()).toThrow(expect.objectContaining({ code: 'GH_ERR_INGEST_BUSY', retryAfterS: 2 }));
    now = 8;
    a();
    now = 120;
    b();
    expect(gate.inFlight).toBe(0);
    expect(gate.admitted).toBe(2);
    expect(gate.refused).toBe(1);
    const d = gate.durations();
    expect(d.count).toBe(2);
    expect(d.sumMs).toBe(128);
    // Cumulative: 8 ms falls in (5, 10], 120 ms in (100, 150].
    expect(d.buckets.find((x) => x.le === 5)?.count).toBe(0);
    expect(d.buckets.find((x) => x.le === 10)?.count).toBe(1);
    expect(d.buckets.find((x) => x.le === 100)?.count).toBe(1);
    expect(d.buckets.find((x) => x.le === 150)?.count).toBe(2);
    expect(d.buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: 2 });
    // The median is the top of the first batch's bucket; the p99 inside the second's.
    expect(gate.quantileMs(0.5)).toBe(10);
    expect(gate.quantileMs(0.99)).toBeGreaterThan(100);
    expect(gate.quantileMs(0.99)).toBeLessThanOrEqual(150);
  });
});
