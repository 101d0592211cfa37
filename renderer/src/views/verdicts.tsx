import type { Trace, Verdict } from '../api-types';
import { verdictBadge, verdictText } from '../verdict-look';

/** Tiers in a useful order: the enforced one first, then the shadows as recorded. */
export function tiersOf(trace: Trace): string[] {
  const tiers = [...new Set(trace.verdicts.map((v) => v.tier))];
  return [trace.tier, ...tiers.filter((t) => t !== trace.tier)].filter((t, i, a) => a.indexOf(t) === i);
}

function VerdictItem({ v }: { v: Verdict }) {
  const badge = verdictBadge(v);
  return (
    <li className={`verdict verdict-${badge.tone}`} data-testid="verdict">
      <div>
        <span className={`badge badge-${badge.tone}`} data-testid="verdict-badge">{badge.label}</span> <strong>{v.rule}</strong> <span className="muted">{v.stage} · {v.mode}</span>
      </div>
      <p data-testid="verdict-reason">{verdictText(v)}</p>
      {v.findings.length > 0 && (
        <ul className="findings">
          {v.findings.map((f, i) => (
            <li key={i}>
              {f.type}
              {f.start !== undefined ? ` at ${f.detail ?? ''} ${f.start}–${f.end}` : f.detail ? `: ${f.detail}` : ''}
            </li>
          ))}
        </ul>
      )}
      {v.retry_after_s !== undefined && <p className="muted">retry after {v.retry_after_s} s</p>}
    </li>
  );
}

/** Every tier's verdicts side by side: what the active tier enforced next to what prod would do. */
export function VerdictColumns({ trace }: { trace: Trace }) {
  const tiers = tiersOf(trace);
  return (
    <div className="tier-columns" data-testid="verdict-columns">
      {tiers.map((tier) => {
        const all = trace.verdicts.filter((v) => v.tier === tier);
        const fired = all.filter((v) => v.decision !== 'allow');
        const enforced = all[0]?.enforced ?? tier === trace.tier;
        return (
          <section key={tier} className="tier-column" data-testid={`tier-${tier}`}>
            <h3>
              {tier} <span className="muted">{enforced ? 'enforced' : 'shadow (recorded only)'}</span>
            </h3>
            {fired.length === 0 ? <p className="muted">Nothing fired ({all.length} rules allowed it).</p> : <ul className="verdicts">{fired.map((v, i) => <VerdictItem key={i} v={v} />)}</ul>}
          </section>
        );
      })}
    </div>
  );
}
