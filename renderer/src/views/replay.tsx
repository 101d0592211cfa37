import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import type { PolicyView, ReplayReport } from '../api-types';
import { Failure, Notice } from '../components/states';
import { href } from '../router';

/** The policy in force as a bundle the replay endpoint accepts: its resolved tiers, without their names. */
export function candidateFrom(view: PolicyView): string {
  const tiers: Record<string, unknown> = {};
  for (const [name, tier] of Object.entries(view.resolved)) {
    const { name: _name, ...spec } = tier as Record<string, unknown>;
    tiers[name] = spec;
  }
  return JSON.stringify({ apiVersion: 'gatehouse/v1', org: view.org ?? 'local', version: view.version ?? 0, tiers }, null, 2);
}

function Report({ r }: { r: ReplayReport }) {
  return (
    <div data-testid="replay-report">
      <p>
        Replayed {r.traces} traces{r.from ? ` from ${new Date(r.from).toLocaleString()} to ${new Date(r.to ?? r.from).toLocaleString()}` : ''}.{' '}
        {r.tiers.map((t) => `${t.tier} blocks ${t.blocked_after} (recorded: ${t.blocked_before})`).join('; ')}.
      </p>
      {r.rules.length === 0 ? (
        <Notice kind="empty">No rule fires differently from what was recorded.</Notice>
      ) : (
        <table className="table">
          <thead>
            <tr><th>Tier</th><th>Rule</th><th>Effect</th><th>Recorded</th><th>Replayed</th><th>Newly</th><th>No longer</th><th>Example</th></tr>
          </thead>
          <tbody>
            {r.rules.map((x) => (
              <tr key={`${x.tier}:${x.stage}:${x.rule}:${x.effect}`} data-testid="replay-rule">
                <td>{x.tier}</td><td>{x.rule}</td><td>{x.effect}</td>
                <td className="c-num">{x.before}</td><td className="c-num">{x.after}</td><td className="c-num">{x.newly}</td><td className="c-num">{x.no_longer}</td>
                <td>{x.examples.newly[0] ? <a href={href(`traces/${x.examples.newly[0]}`)}>open</a> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Replays recent traces against a tier of the policy in force, or an edited candidate of it. */
export function Replay({ view, tier }: { view: PolicyView; tier: string }) {
  const [candidate, setCandidate] = useState(() => candidateFrom(view));
  const [last, setLast] = useState(500);
  const [report, setReport] = useState<ReplayReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setReport(await api<ReplayReport>('/api/policy/replay', { method: 'POST', body: JSON.stringify({ policy: candidate, last, tiers: [tier], all: true }) }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, null, String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={run} className="replay" data-testid="replay">
      <p>
        Replay the last <input type="number" min={1} max={5000} value={last} onChange={(e) => setLast(Number(e.target.value))} aria-label="Traces to replay" className="narrow" /> traces against{' '}
        <strong>{tier}</strong>{' '}
        <button type="submit" disabled={busy} data-testid="replay-run">
          {busy ? 'Replaying…' : 'Replay'}
        </button>
      </p>
      <details>
        <summary>Candidate policy (edit it to see what a change would do)</summary>
        <textarea value={candidate} onChange={(e) => setCandidate(e.target.value)} rows={14} spellCheck={false} aria-label="Candidate policy" />
      </details>
      {error && <Failure error={error} missing="This gateway has no replay endpoint." />}
      {report && <Report r={report} />}
    </form>
  );
}
