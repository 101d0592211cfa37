import { useApi, query } from '../api';
import { useEvents } from '../events';
import type { PolicyView as View, TierChange, TierDiff } from '../api-types';
import { Failure, Loading, Notice } from '../components/states';
import { Replay } from './replay';

const SOURCE = { builtin: 'built-in permissive tier (no policy file)', file: 'local file', org: 'organisation (synced)' } as const;

/** The last sync in one line; before any, whether the device is enrolled (only an org policy syncs). */
function lastSync(p: View): string {
  const s = p.last_sync;
  if (s === null) return p.source === 'org' ? 'not yet since the gateway started' : 'not enrolled: gatehouse enroll --central URL (your PAT on stdin)';
  const what = { applied: `applied v${s.version}`, unchanged: 'unchanged', rejected: 'refused a bundle', error: 'failed', skipped: 'skipped' }[s.outcome];
  return `${new Date(s.at).toLocaleString()} · ${what}${s.error ? ` · ${s.error}` : ''}`;
}

function Facts({ p }: { p: View }) {
  return (
    <dl className="facts" data-testid="policy-facts">
      <div><dt>version</dt><dd data-testid="policy-version">{p.version ?? '–'}{p.org ? ` · ${p.org}` : ''}</dd></div>
      <div><dt>source</dt><dd>{SOURCE[p.source]}{p.file ? ` · ${p.file}` : ''}</dd></div>
      <div><dt>loaded</dt><dd>{new Date(p.loaded_at).toLocaleString()}</dd></div>
      <div><dt>last sync</dt><dd data-testid="policy-last-sync">{lastSync(p)}</dd></div>
      <div><dt>tiers</dt><dd>{p.tiers.active} enforced{p.tiers.shadow.length ? `, ${p.tiers.shadow.join(', ')} shadowed` : ''}</dd></div>
      {p.expires && <div><dt>expires</dt><dd>{new Date(p.expires).toLocaleString()}</dd></div>}
    </dl>
  );
}

/** One section of both tiers next to each other, the changes in it listed under them. */
function Section({ name, from, to, changes, diff }: { name: string; from: unknown; to: unknown; changes: TierChange[]; diff: TierDiff }) {
  const tight = changes.some((c) => c.change === 'tightened' || c.change === 'added');
  return (
    <section className={`diff-section${tight ? ' tightens' : ''}`} data-testid={`diff-${name}`}>
      <h3>{name}</h3>
      <div className="side-by-side">
        <pre aria-label={`${diff.from} ${name}`}>{JSON.stringify(from ?? null, null, 2)}</pre>
        <pre aria-label={`${diff.to} ${name}`}>{JSON.stringify(to ?? null, null, 2)}</pre>
      </div>
      <ul className="changes">
        {changes.map((c, i) => (
          <li key={i} className={`change change-${c.change}`} data-testid="diff-change">
            <span className={`badge badge-${c.change}`}>{c.change}</span> <strong>{c.rule}</strong> {c.detail}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Diff({ p, diff }: { p: View; diff: TierDiff }) {
  const from = (p.resolved[diff.from] ?? {}) as Record<string, unknown>;
  const to = (p.resolved[diff.to] ?? {}) as Record<string, unknown>;
  const sections = [...new Set(diff.changes.map((c) => c.section))];
  return (
    <div data-testid="policy-diff">
      <p className="lead">
        {diff.from} → {diff.to}: {diff.counts.tightened + diff.counts.added} tighten, {diff.counts.loosened + diff.counts.removed} loosen, {diff.counts.changed} change.
      </p>
      <div className="side-by-side head"><strong>{diff.from}</strong><strong>{diff.to}</strong></div>
      {sections.length === 0 ? (
        <Notice kind="empty">The two tiers are the same.</Notice>
      ) : (
        sections.map((s) => <Section key={s} name={s} from={from[s]} to={to[s]} changes={diff.changes.filter((c) => c.section === s)} diff={diff} />)
      )}
    </div>
  );
}

/** The policy in force, the step from the active tier to the shadowed one, and a replay against it. */
export function PolicyView() {
  const policy = useApi<View>('/api/policy');
  const p = policy.data;
  const to = p?.tiers.shadow[0];
  const diff = useApi<TierDiff>(p && to ? `/api/policy/diff${query({ from: p.tiers.active, to })}` : null);
  // A new policy in force (the file saved, or a sync) shows at once.
  useEvents((ev) => {
    if (ev.type !== 'policy') return;
    policy.reload();
    diff.reload();
  });
  if (policy.error) return <Failure error={policy.error} missing="This gateway has no policy endpoint." />;
  if (!p) return <Loading />;
  return (
    <section className="policy" data-testid="policy">
      <h2>Policy in force</h2>
      <Facts p={p} />
      {p.last_error && (
        <Notice kind="error" testId="policy-last-error">
          {/\/v1\/fleet\/|org-policy\.json$/.test(p.last_error.file)
            ? <>An org bundle from {p.last_error.file} was refused ({new Date(p.last_error.at).toLocaleString()}): {p.last_error.message}</>
            : <>The newest change to {p.last_error.file} was refused ({new Date(p.last_error.at).toLocaleString()}): {p.last_error.message} The last good policy stays in force; fix the file and save it again.</>}
        </Notice>
      )}
      {to === undefined ? (
        <Notice kind="empty">No tier is shadowed: add <code>shadow: [prod]</code> under <code>tiers:</code> in gatehouse.yaml to compare {p.tiers.active} with prod.</Notice>
      ) : (
        <>
          <h2>{p.tiers.active} vs {to}</h2>
          {diff.error ? <Failure error={diff.error} missing="This gateway has no policy diff endpoint." /> : diff.data ? <Diff p={p} diff={diff.data} /> : <Loading />}
          <h2>Replay recent traces against {to}</h2>
          <Replay view={p} tier={to} />
        </>
      )}
    </section>
  );
}
