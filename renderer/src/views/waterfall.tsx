import { ms } from '../format';

/**
 * The stage timings as a waterfall: stages run one after another, so each bar starts where
 * the previous ended; what the stages do not account for is the gateway's own overhead.
 */
export function Waterfall({ phases, total }: { phases: Record<string, number>; total: number }) {
  const entries = Object.entries(phases);
  if (entries.length === 0) return <p className="muted">No stage timings recorded.</p>;
  const span = Math.max(total, entries.reduce((s, [, v]) => s + v, 0), 0.001);
  let at = 0;
  return (
    <ol className="waterfall" data-testid="waterfall">
      {entries.map(([name, v]) => {
        const left = (at / span) * 100;
        at += v;
        return (
          <li key={name}>
            <span className="wf-name">{name}</span>
            <span className="wf-track">
              <span className="wf-bar" style={{ marginLeft: `${left}%`, width: `${Math.max((v / span) * 100, 0.5)}%` }} />
            </span>
            <span className="wf-ms">{ms(v)}</span>
          </li>
        );
      })}
    </ol>
  );
}
