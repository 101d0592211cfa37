import { csvField } from '../core/csv.js';
import { GatehouseError } from '../core/errors.js';
import { parseSince } from '../store/query.js';
import type { TraceStore } from '../store/traces.js';
import type { UsageCounts, UsageQuery, UsageReport } from './schemas.js';

/** The report's window when the caller names none. */
export const DEFAULT_USAGE_WINDOW_MS = 30 * 24 * 3600_000;

const COLUMNS = ['bucket', 'key', 'requests', 'errors', 'tokens_in', 'tokens_out', 'tokens_cached', 'cost_usd'] as const;

/** `GET /api/usage`: the window's usage by bucket and group, and its totals. */
export function usageReport(traces: TraceStore, q: Omit<UsageQuery, 'format'>, now = Date.now()): UsageReport {
  const since = q.since === undefined ? now - DEFAULT_USAGE_WINDOW_MS : parseSince(q.since);
  const until = q.until === undefined ? now + 1 : parseSince(q.until, 'until');
  if (until <= since) {
    throw new GatehouseError('GH_ERR_INVALID_QUERY', `"until" (${new Date(until).toISOString()}) must be after "since" (${new Date(since).toISOString()}): swap them, or leave until out for now.`, { param: 'until' });
  }
  const buckets = traces.usage.report(since, until, q.interval, q.by);
  const totals: UsageCounts = { requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, tokens_cached: 0, cost_usd: 0 };
  for (const b of buckets) {
    totals.requests += b.requests;
    totals.errors += b.errors;
    totals.tokens_in += b.tokens_in;
    totals.tokens_out += b.tokens_out;
    totals.tokens_cached += b.tokens_cached;
    totals.cost_usd += b.cost_usd;
  }
  const other = traces.usage.other(since, until);
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString(), interval: q.interval, by: q.by, buckets, totals, other };
}

/** The report's buckets as CSV: a header row, then one row per bucket and key. */
export function usageCsv(report: UsageReport): string {
  const rows = report.buckets.map((b) => COLUMNS.map((c) => csvField(b[c])).join(','));
  return `${[COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

/** `gatehouse-usage-2025-01-01-2025-01-31.csv`: the window's days. */
export function usageFilename(report: UsageReport): string {
  return `gatehouse-usage-${report.since.slice(0, 10)}-${report.until.slice(0, 10)}.csv`;
}
