import { useMemo, useState } from 'react';
import { ApiError, query, useApi } from '../api';
import { getToken } from '../auth';
import type { Usage, UsageBy, UsageTotals } from '../api-types';
import { Chart, pivot, windowBuckets } from '../components/chart';
import { Failure, Loading, Notice } from '../components/states';
import { int, usd } from '../format';

const BY: UsageBy[] = ['none', 'model', 'provider', 'project', 'team', 'user'];
const DAYS = [1, 7, 30, 90];

/** The CSV comes from the same endpoint with the bearer header, so it is fetched, then saved from a blob. */
async function downloadCsv(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${getToken() ?? ''}` } });
  if (!res.ok) throw new ApiError(res.status, null, `The CSV export failed (${res.status}): reload and try again.`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = /filename="?([^";]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? filename;
  a.click();
  URL.revokeObjectURL(url);
}

/** A bucket's row label: the group's key, or what a missing key means. */
const keyFor = (by: Usage['by']) => (b: { key: string | null }) => b.key ?? (by === 'none' ? 'all' : '(none)');

function Totals({ t }: { t: UsageTotals }) {
  return (
    <dl className="facts totals" data-testid="usage-totals">
      <div><dt>requests</dt><dd>{int(t.requests)}</dd></div>
      <div><dt>errors</dt><dd>{int(t.errors)}</dd></div>
      <div><dt>tokens in</dt><dd>{int(t.tokens_in)}</dd></div>
      <div><dt>tokens out</dt><dd>{int(t.tokens_out)}</dd></div>
      <div><dt>cached</dt><dd>{int(t.tokens_cached)}</dd></div>
      <div><dt>cost</dt><dd>{usd(t.cost_usd)}</dd></div>
    </dl>
  );
}

/** Tokens and cost over time, split by model, provider, project, team or user; exportable as CSV. */
export function UsageView() {
  const [by, setBy] = useState<UsageBy>('model');
  const [days, setDays] = useState(30);
  const [since] = useState(() => Date.now());
  const [csvError, setCsvError] = useState<string | null>(null);
  const params = { since: new Date(since - days * 86_400_000).toISOString(), interval: days > 7 ? 'day' : 'hour', by };
  const usage = useApi<Usage>(`/api/usage${query(params)}`);
  const u = usage.data;
  const charts = useMemo(() => {
    if (!u) return null;
    const keyOf = keyFor(u.by);
    const x = windowBuckets(Date.parse(u.since), Date.parse(u.until), u.interval);
    return { tokens: pivot(u.buckets, (b) => b.bucket, keyOf, (b) => b.tokens_in + b.tokens_out, x), cost: pivot(u.buckets, (b) => b.bucket, keyOf, (b) => b.cost_usd, x) };
  }, [u]);
  const rows = useMemo(() => {
    const m = new Map<string, UsageTotals>();
    const keyOf = keyFor(u?.by ?? 'none');
    for (const b of u?.buckets ?? []) {
      const t = m.get(keyOf(b)) ?? { requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, tokens_cached: 0, cost_usd: 0 };
      m.set(keyOf(b), { requests: t.requests + b.requests, errors: t.errors + b.errors, tokens_in: t.tokens_in + b.tokens_in, tokens_out: t.tokens_out + b.tokens_out, tokens_cached: t.tokens_cached + b.tokens_cached, cost_usd: t.cost_usd + b.cost_usd });
    }
    return [...m].sort((a, b) => b[1].tokens_in + b[1].tokens_out - (a[1].tokens_in + a[1].tokens_out));
  }, [u]);

  const exportCsv = () => {
    setCsvError(null);
    downloadCsv(`/api/usage${query({ ...params, format: 'csv' })}`, 'gatehouse-usage.csv').catch((e: unknown) => setCsvError(e instanceof Error ? e.message : String(e)));
  };

  return (
    <section className="usage" data-testid="usage">
      <div className="toolbar">
        <h2>Usage</h2>
        <div role="group" aria-label="Group by" className="segmented">
          {BY.map((b) => (
            <button key={b} type="button" aria-pressed={by === b} onClick={() => setBy(b)} data-testid={`usage-by-${b}`}>
              {b === 'none' ? 'total' : b}
            </button>
          ))}
        </div>
        <select aria-label="Window" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {DAYS.map((d) => <option key={d} value={d}>{d === 1 ? 'last 24 hours' : `last ${d} days`}</option>)}
        </select>
        <button type="button" onClick={exportCsv} disabled={!u} data-testid="usage-csv">Export CSV</button>
      </div>
      {csvError && <Notice kind="error">{csvError}</Notice>}
      {usage.error ? (
        <Failure error={usage.error} missing="This gateway has no usage endpoint yet; the Traces view lists each request's tokens." />
      ) : !u || !charts ? (
        <Loading />
      ) : u.totals.requests === 0 ? (
        <Notice kind="empty">No requests in the last {days} days: usage appears here as clients call the gateway.</Notice>
      ) : (
        <>
          <Totals t={u.totals} />
          {u.other && u.other.length > 0 && (
            <p className="muted" data-testid="usage-other">
              Model calls only. Also served, and not counted above: {u.other.map((o) => `${int(o.requests)} ${o.kind}`).join(' · ')}.
            </p>
          )}
          <div className="charts">
            <Chart title={`Tokens per ${u.interval}`} data={charts.tokens} unit="tokens" interval={u.interval} testId="usage-tokens-chart" />
            <Chart title={`Cost per ${u.interval}`} data={charts.cost} unit="usd" interval={u.interval} testId="usage-cost-chart" />
          </div>
          <table className="table" data-testid="usage-table">
            <thead><tr><th>{by === 'none' ? '' : by}</th><th>Requests</th><th>Errors</th><th>Tokens in</th><th>Tokens out</th><th>Cost</th></tr></thead>
            <tbody>
              {rows.map(([k, t]) => (
                <tr key={k} data-testid="usage-row"><td>{k}</td><td className="c-num">{int(t.requests)}</td><td className="c-num">{int(t.errors)}</td><td className="c-num">{int(t.tokens_in)}</td><td className="c-num">{int(t.tokens_out)}</td><td className="c-num">{usd(t.cost_usd)}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
