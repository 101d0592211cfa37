import { useState } from 'react';
import { query, useApi } from '../api';
import type { RuleSummary, ShadowSummary, ShadowTimeline, Status } from '../api-types';
import { Chart, pivot, windowBuckets } from '../components/chart';
import { Failure, Loading, Notice } from '../components/states';
import { href } from '../router';

const WINDOWS = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 } as const;
type Window = keyof typeof WINDOWS;

function RuleRow({ r, tier }: { r: RuleSummary; tier: string }) {
  const example = r.newest_trace_ids[0];
  return (
    <tr data-testid="preview-rule">
      <td>
        <a href={href('traces', { rule: r.rule, verdict: `${tier}:${r.block > 0 ? 'block' : 'mutate'}` })}>
          <strong>{r.rule}</strong>
        </a>
        <div className="muted">{r.stage}</div>
      </td>
      <td className="c-num">{r.count}</td>
      <td className="c-num">{r.block}</td>
      <td className="c-num">{r.mutate}</td>
      <td>{r.top_agents === undefined ? '–' : r.top_agents.map((a) => `${a.agent} (${a.count})`).join(', ') || '–'}</td>
      <td>{r.top_metadata === undefined ? '–' : r.top_metadata.map((m) => `${m.key}=${m.value} (${m.count})`).join(', ') || '–'}</td>
      <td data-testid="advice">
        {r.advice ?? (example ? <>Open <a href={href(`traces/${example}`)}>the newest trace</a>: its {tier} verdict says how to comply.</> : '–')}
      </td>
    </tr>
  );
}

/** What prod would do to today's traffic: which rules would fire, how often, for whom, and the fix. */
export function PreviewView() {
  const status = useApi<Status>('/api/status');
  const [win, setWin] = useState<Window>('24h');
  const [since] = useState(() => Date.now());
  const tier = status.data?.tier.shadow[0];
  const from = new Date(since - WINDOWS[win] * 3600_000).toISOString();
  const ready = status.data !== null && tier !== undefined;
  const summary = useApi<ShadowSummary>(ready ? `/api/shadow/summary${query({ since: from, tier })}` : null);
  const timeline = useApi<ShadowTimeline>(ready ? `/api/shadow/timeline${query({ since: from, tier, interval: win === '24h' ? 'hour' : 'day' })}` : null);

  if (status.error) return <Failure error={status.error} missing="This gateway has no status endpoint." />;
  if (!status.data) return <Loading />;
  if (tier === undefined) {
    return (
      <Notice kind="empty" testId="no-shadow">
        No tier is shadowed, so there is nothing to preview: set <code>tiers: {'{'} active: dev, shadow: [prod] {'}'}</code> in gatehouse.yaml with a policy that has a prod tier, then restart the gateway.
      </Notice>
    );
  }
  const t = summary.data?.tiers.find((x) => x.tier === tier);
  return (
    <section className="preview" data-testid="preview">
      <div className="toolbar">
        <h2>What {tier} would do</h2>
        <label>
          Window{' '}
          <select value={win} onChange={(e) => setWin(e.target.value as Window)} data-testid="preview-window">
            {Object.keys(WINDOWS).map((w) => <option key={w}>{w}</option>)}
          </select>
        </label>
      </div>
      {summary.error ? (
        <Failure error={summary.error} missing="This gateway has no shadow summary endpoint." />
      ) : !summary.data ? (
        <Loading />
      ) : (
        <p className="lead" data-testid="preview-lead">
          Of {summary.data.traces} traces in the last {win}, {tier} rules fired on {t?.traces ?? 0} and would have refused {t?.blocked ?? 0}.
        </p>
      )}
      {timeline.error ? (
        <Failure error={timeline.error} missing="This gateway has no shadow timeline endpoint yet, so there is no chart; the table below has the counts." />
      ) : timeline.data ? (
        <Chart
          title={`Would-fire count per rule (${timeline.data.interval})`}
          data={pivot(timeline.data.series, (s) => s.bucket, (s) => s.rule, (s) => s.count, windowBuckets(Date.parse(from), since, timeline.data.interval))}
          unit="count"
          interval={timeline.data.interval}
          testId="preview-chart"
        />
      ) : null}
      {t && t.rules.length > 0 ? (
        <table className="table" data-testid="preview-rules">
          <thead>
            <tr><th>Rule</th><th>Fired</th><th>Block</th><th>Mutate</th><th>Top workflows</th><th>Top metadata</th><th>What to do</th></tr>
          </thead>
          <tbody>{t.rules.map((r) => <RuleRow key={`${r.stage}:${r.rule}`} r={r} tier={tier} />)}</tbody>
        </table>
      ) : summary.data ? (
        <Notice kind="empty">No {tier} rule would have fired in the last {win}: this traffic is ready for {tier}.</Notice>
      ) : null}
    </section>
  );
}
