import { CentralError } from './errors.js';

/**
 * Upper bounds (ms) of the ingest duration histogram: fine around the 100 ms p99 target, so a
 * quantile read from the buckets (as Prometheus' `histogram_quantile` reads them) is close.
 */
export const INGEST_BUCKETS_MS = [1, 2, 5, 10, 15, 20, 30, 40, 50, 60, 75, 100, 150, 200, 300, 500, 1_000, 2_500, 5_000, 10_000] as const;

/**
 * How many records batches a replica takes at once, counted from a batch's arrival to its
 * answer, what it refused, and how long the batches it took were here (the server's side of
 * the ingest latency, without the time a device's request waited to be sent), and how many
 * records it stored under their PAT's user and team instead of the ones they named: the ingest
 * protection of `POST /v1/fleet/records`, and what `/metrics` reports of it.
 */
export class IngestGate {
  private current = 0;
  private refusedTotal = 0;
  private admittedTotal = 0;
  private reattributedTotal = 0;
  /** Batches answered within each bucket's bound (not cumulative; the last slot is +Inf). */
  private readonly counts = new Array<number>(INGEST_BUCKETS_MS.length + 1).fill(0);
  private sumMs = 0;

  /** `now` is a monotonic ms clock (a test injects one). */
  constructor(readonly limit: number, private readonly now: () => number = () => performance.now()) {}

  /**
   * Admits a batch, or throws the 429 a device backs off on. Returns the `leave` to call once
   * it is answered (exactly once).
   */
  enter(): () => void {
    if (this.current >= this.limit) {
      this.refusedTotal++;
      const busy = new CentralError('GH_ERR_INGEST_BUSY', `This central gateway is ingesting ${this.current} batches already: nothing was stored; retry after the Retry-After seconds.`);
      busy.retryAfterS = 1 + Math.min(30, Math.floor(this.current / this.limit));
      throw busy;
    }
    this.current++;
    this.admittedTotal++;
    const start = this.now();
    return () => {
      this.current--;
      const ms = this.now() - start;
      this.sumMs += ms;
      const i = INGEST_BUCKETS_MS.findIndex((b) => ms <= b);
      this.counts[i === -1 ? INGEST_BUCKETS_MS.length : i]! += 1;
    };
  }

  get inFlight(): number {
    return this.current;
  }

  get refused(): number {
    return this.refusedTotal;
  }

  get admitted(): number {
    return this.admittedTotal;
  }

  /** Records of taken batches that named another user or team than their PAT's and were stored under the PAT's. */
  countReattributed(n: number): void {
    this.reattributedTotal += n;
  }

  get reattributed(): number {
    return this.reattributedTotal;
  }

  /** The duration histogram: cumulative counts per upper bound (ms; the last is Infinity), the sum and the count. */
  durations(): { buckets: { le: number; count: number }[]; sumMs: number; count: number } {
    let n = 0;
    const buckets = this.counts.map((c, i) => ({ le: INGEST_BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY, count: (n += c) }));
    return { buckets, sumMs: this.sumMs, count: n };
  }

  /**
   * The p-quantile (0..1) of the answered batches' durations, interpolated within its bucket
   * as `histogram_quantile` does; NaN before the first answer, the top bound past it.
   */
  quantileMs(p: number): number {
    const { buckets, count } = this.durations();
    if (count === 0) return Number.NaN;
    const rank = p * count;
    let below = 0;
    let lower = 0;
    for (const b of buckets) {
      if (b.count >= rank) {
        if (b.le === Number.POSITIVE_INFINITY) return lower;
        const inBucket = b.count - below;
        return inBucket === 0 ? b.le : lower + ((b.le - lower) * (rank - below)) / inBucket;
      }
      below = b.count;
      lower = b.le;
    }
    return lower;
  }
}
