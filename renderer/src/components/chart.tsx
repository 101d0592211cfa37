import { lazy, Suspense } from 'react';

export interface ChartData {
  /** Bucket starts, Unix seconds: every bucket of the window, empty ones included. */
  x: number[];
  series: { label: string; values: number[] }[];
}

export interface ChartProps {
  data: ChartData;
  title: string;
  /** Formats a y value for the axis and the legend. */
  unit?: 'count' | 'usd' | 'tokens';
  /** The buckets' width: day buckets get date ticks, hour buckets time ticks. */
  interval: 'day' | 'hour';
  testId?: string;
}

/** uPlot loads with the first chart, not with the dashboard: the traces view never pays for it. */
const Plot = lazy(() => import('./plot'));

export function Chart(props: ChartProps) {
  return (
    <figure className="chart" data-testid={props.testId ?? 'chart'}>
      <figcaption>{props.title}</figcaption>
      {props.data.series.length === 0 ? (
        <p className="muted">Nothing in this window.</p>
      ) : (
        <Suspense fallback={<div className="chart-loading">Loading chart…</div>}>
          <Plot {...props} />
        </Suspense>
      )}
    </figure>
  );
}

/** Bucket labels (`2026-11-24` or an ISO hour) to Unix seconds. */
export function bucketSeconds(bucket: string): number {
  return Math.floor(Date.parse(bucket.length === 10 ? `${bucket}T00:00:00Z` : bucket) / 1000);
}

const STEP_S = { hour: 3600, day: 86_400 } as const;

/** Every bucket start (UTC, as the gateway buckets) from the one holding `fromMs` to the one holding `toMs`. */
export function windowBuckets(fromMs: number, toMs: number, interval: 'day' | 'hour'): number[] {
  const step = STEP_S[interval];
  const out: number[] = [];
  for (let t = Math.floor(fromMs / 1000 / step) * step; t <= toMs / 1000; t += step) out.push(t);
  return out;
}

/**
 * Pivots rows of (bucket, key, value) into one series per key over every bucket of the
 * window, so a day of data in a month reads as one bar where it happened, not a lone dot.
 */
export function pivot<R>(rows: R[], bucket: (r: R) => string, key: (r: R) => string, value: (r: R) => number, x: number[], maxSeries = 8): ChartData {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(key(r), (totals.get(key(r)) ?? 0) + value(r));
  const keys = [...totals].sort((a, b) => b[1] - a[1]).slice(0, maxSeries).map(([k]) => k);
  const index = new Map(x.map((t, i) => [t, i]));
  const series = keys.map((k) => ({ label: k, values: x.map(() => 0) }));
  const byKey = new Map(series.map((s) => [s.label, s]));
  for (const r of rows) {
    const i = index.get(bucketSeconds(bucket(r)));
    const s = byKey.get(key(r));
    if (s && i !== undefined) s.values[i]! += value(r);
  }
  return { x, series };
}
