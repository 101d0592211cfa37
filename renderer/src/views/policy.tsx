import { useApi, query } from '../api';
import { useEvents } from '../events';
import type { PolicyView as View, TierChange, TierDiff } from '../api-types';
import type { ResolvedTier } from '../../../local-gateway/policy/schema';
import { Failure, Loading, Notice } from '../components/states';
import { SectionTable, type SectionName } from './policy-tables';
import { Replay } from './replay';

/** The tier sections in the order the bundle and `gatehouse policy diff` list them. */
const SECTIONS = ['metadata', 'models', 'tools', 'prompts', 'resources', 'virtual_models', 'rate_limits', 'budgets', 'guardrails', 'logging', 'sync'] as const satisfies readonly SectionName[];

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

/** A refused change, problem by problem with its line and field, as `gatehouse policy check` lists them. */
function Refused({ error }: { error: NonNullable<View['last_error']> }) {
  const org = /\/v1\/fleet\/|org-policy\.json$/.test(error.file);
  const at = new Date(error.at).toLocaleString();
  return (
    <Notice kind="error" testId="policy-last-error">
      {org ? <>An org bundle from {error.file} was refused ({at})</> : <>The newest change to {error.file} was refused ({at})</>}
      {error.problems.length === 0 ? (
        <>: {error.message}</>
      ) : (
        <>
          :
          <ul className="problems">
            {error.problems.map((p, i) => (
              <li key={i} data-testid="policy-problem">
                <span data-part="line">line {p.line}</span> <code data-part="field">{p.path}</code> <span data-part="message">{p.message}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {!org && <> The last good policy stays in force; fix the file and save it again.</>}
    </Notice>
  );
}

/** One section of both tiers next to each other, the changes in it listed under them. */
function Section({ name, from, to, changes }: { name: SectionName; from: ResolvedTier; to: ResolvedTier; changes: TierChange[] }) {
  const tight = name !== 'virtual_models' && changes.some((c) => c.change === 'tightened' || c.change === 'added');
  return (
    <section className={`diff-section${tight ? ' tightens' : ''}`} data-testid={`diff-${name}`}>
      <h3>{name}</h3>
      <div className="side-by-side">
        <SectionTable section={name} tier={from} />
        <SectionTable section={name} tier={to} changes={changes} />
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
  const from = p.resolved[diff.from] as ResolvedTier | undefined;
  const to = p.resolved[diff.to] as ResolvedTier | undefined;
  const s = diff.summary;
  return (
    <div data-testid="policy-diff">
      {/* The same three numbers `gatehouse policy diff` heads its output with: the server counts them once. */}
      <p className="lead" data-testid="diff-lead">
        {diff.from} → {diff.to}: {s.tighten} tighten, {s.loosen} loosen, {s.change} change.
      </p>
      {diff.changes.length === 0 && <Notice kind="empty">The two tiers are the same.</Notice>}
      {from && to && (
        <>
          <div className="side-by-side head"><strong>{diff.from}</strong><strong>{diff.to}</strong></div>
          {SECTIONS.map((name) => <Section key={name} name={name} from={from} to={to} changes={diff.changes.filter((c) => c.section === name)} />)}
        </>
      )}
    </div>
  );
}

/** The active tier alone, when nothing is shadowed. */
function Tier({ tier }: { tier: ResolvedTier }) {
  return (
    <div data-testid="policy-tier">
      {SECTIONS.map((name) => (
        <section key={name} className="diff-section">
          <h3>{name}</h3>
          <SectionTable section={name} tier={tier} />
        </section>
      ))}
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
      {p.last_error && <Refused error={p.last_error} />}
      {to === undefined ? (
        <>
          <Notice kind="empty">No tier is shadowed: add <code>shadow: [prod]</code> under <code>tiers:</code> in gatehouse.yaml to compare {p.tiers.active} with prod.</Notice>
          {p.resolved[p.tiers.active] !== undefined && (
            <>
              <h2>{p.tiers.active}</h2>
              <Tier tier={p.resolved[p.tiers.active] as ResolvedTier} />
            </>
          )}
        </>
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
