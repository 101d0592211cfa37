import { lazy, Suspense } from 'react';

export interface ChartData {
  /** Bucket starts, Unix seconds. */
  x: number[];
  series: { label: string; values: (number | null)[] }[];
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
      {props.data.x.length === 0 ? (
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

/** Pivots rows of (bucket, key, value) into one series per key over the sorted buckets. */
export function pivot<R>(rows: R[], bucket: (r: R) => string, key: (r: R) => string, value: (r: R) => number, maxSeries = 8): ChartData {
  const buckets = [...new Set(rows.map(bucket))].sort();
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(key(r), (totals.get(key(r)) ?? 0) + value(r));
  const keys = [...totals].sort((a, b) => b[1] - a[1]).slice(0, maxSeries).map(([k]) => k);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series = keys.map((k) => ({ label: k, values: buckets.map((): number | null => 0) }));
  for (const r of rows) {
    const s = series.find((x) => x.label === key(r));
    const i = index.get(bucket(r));
    if (s && i !== undefined) s.values[i] = (s.values[i] ?? 0) + value(r);
  }
  return { x: buckets.map(bucketSeconds), series };
}
