import { useState } from 'react';
import { api, isMissingEndpoint, useApi, type ApiError } from '../api';
import { clearToken, getToken } from '../auth';
import type { Settings, Status, SyncCycleResult, SyncStatus } from '../api-types';
import { Failure, Loading, Notice } from '../components/states';
import { desktopBridge, type DesktopBridge, type EnrollResult } from '../desktop';

/** Copies to the clipboard; 127.0.0.1 is a secure context, so the async clipboard API is there. */
function CopyButton({ text, label, testId }: { text: string; label: string; testId: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  const copy = () => navigator.clipboard.writeText(text).then(() => setDone('copied'), () => setDone('failed'));
  return (
    <button type="button" onClick={copy} data-testid={testId}>
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed: select and copy by hand' : label}
    </button>
  );
}

/** The token this page holds (from the URL or the desktop app), never fetched from the gateway. */
function TokenCard() {
  const token = getToken() ?? '';
  const [shown, setShown] = useState(false);
  return (
    <section className="card" data-testid="settings-token">
      <h3>Local token</h3>
      <p className="muted">Clients send it as <code>Authorization: Bearer …</code>; <code>gatehouse token</code> prints it too.</p>
      <p>
        <input readOnly value={shown ? token : '•'.repeat(Math.min(token.length, 24))} aria-label="Local token" className="mono" data-testid="token-value" size={36} />{' '}
        <button type="button" onClick={() => setShown((s) => !s)} aria-pressed={shown}>{shown ? 'Hide' : 'Show'}</button>{' '}
        <CopyButton text={token} label="Copy" testId="token-copy" />{' '}
        <button type="button" onClick={() => { clearToken(); window.location.reload(); }}>Forget on this tab</button>
      </p>
    </section>
  );
}

/** Whether a provider's key is there and, when it is not, how to put it there. Never the value. */
function keyState(key: Settings['providers'][number]['key']): string {
  if (key.ref === null) return 'no key needed';
  if (key.present) return `present (${key.ref})`;
  if (key.ref.startsWith('env:')) return `missing: set ${key.ref.slice(4)} in the gateway's environment and restart it`;
  return `missing: gatehouse keys set ${key.ref.replace(/^keychain:/, '')} (value on stdin)`;
}

/** In the desktop app: the value of a missing keychain key, typed here and handed to the app, which stores it in the OS keychain. */
function SetKey({ name, set, done }: { name: string; set: NonNullable<DesktopBridge['keys']>['set']; done: () => void }) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!open) return <button type="button" onClick={() => setOpen(true)} data-testid={`key-set-${name}`}>Set key</button>;
  const save = (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    set(name, value)
      .then(
        (r) => {
          if (!r.ok) return setError(r.error);
          setValue('');
          setOpen(false);
          done();
        },
        (err: Error) => setError(err.message),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form className="enroll" onSubmit={save}>
      <input type="password" required autoComplete="off" aria-label={`Value of ${name}`} value={value} onChange={(e) => setValue(e.target.value)} data-testid={`key-value-${name}`} />
      <button type="submit" disabled={busy} data-testid={`key-save-${name}`}>{busy ? 'Saving…' : 'Save to keychain'}</button>
      {error && <Notice kind="error" testId="key-error">{error}</Notice>}
    </form>
  );
}

function Providers({ s, reload }: { s: Settings; reload: () => void }) {
  const setKey = desktopBridge()?.keys?.set;
  return (
    <section className="card" data-testid="settings-providers">
      <h3>Providers</h3>
      <table className="table">
        <thead><tr><th>Id</th><th>Kind</th><th>Base URL</th><th>Key</th><th>Models</th></tr></thead>
        <tbody>
          {s.providers.map((p) => (
            <tr key={p.id} data-testid="provider-row">
              <td>{p.id}</td><td>{p.kind}</td><td className="mono">{p.base_url}</td>
              <td className={p.key.ref === null || p.key.present ? 'ok' : 'err'}>
                <span data-testid="provider-key">{keyState(p.key)}</span>
                {setKey && p.key.ref?.startsWith('keychain:') && !p.key.present && <> <SetKey name={p.key.ref.slice('keychain:'.length)} set={setKey} done={reload} /></>}
              </td>
              <td>{p.models.join(', ') || 'any'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Setup({ s }: { s: Settings }) {
  const token = getToken() ?? '<token>';
  return (
    <section className="card" data-testid="settings-setup">
      <h3>Set up an IDE agent</h3>
      <p className="muted"><code>gatehouse setup &lt;agent&gt;</code> prints the same; the copy button fills in your token.</p>
      {Object.entries(s.setup).map(([agentName, snippet]) => (
        <div key={agentName} className="snippet" data-testid={`setup-${agentName}`}>
          <h4>{agentName}</h4>
          <pre>{snippet}</pre>
          <CopyButton text={snippet.replaceAll('<token>', token)} label="Copy with my token" testId={`setup-copy-${agentName}`} />
        </div>
      ))}
    </section>
  );
}

const OUTCOME = { applied: 'applied', unchanged: 'unchanged', rejected: 'refused', error: 'failed', skipped: 'skipped' } as const;

/**
 * In the desktop app: enroll from here. The PAT goes straight to the app (its preload), which
 * stores it in the OS keychain; the page keeps no copy once the answer is in.
 */
function EnrollForm({ enroll, done }: { enroll: NonNullable<DesktopBridge['enroll']>; done: () => void }) {
  const [central, setCentral] = useState('');
  const [pat, setPat] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<EnrollResult | null>(null);
  const submit = (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setResult(null);
    enroll(central, pat)
      .then(
        (r) => {
          setResult(r);
          if (r.ok) {
            setPat('');
            done();
          }
        },
        (err: Error) => setResult({ ok: false, error: err.message }),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form className="enroll" onSubmit={submit} data-testid="enroll-form">
      <label>Central gateway <input type="url" required value={central} onChange={(e) => setCentral(e.target.value)} placeholder="https://gatehouse.example.com" data-testid="enroll-central" size={36} /></label>{' '}
      <label>PAT <input type="password" required autoComplete="off" value={pat} onChange={(e) => setPat(e.target.value)} data-testid="enroll-pat" size={28} /></label>{' '}
      <button type="submit" disabled={busy} data-testid="enroll-submit">{busy ? 'Enrolling…' : 'Enroll'}</button>
      {result && !result.ok && <Notice kind="error" testId="enroll-error">{result.error}</Notice>}
      {result?.ok && <Notice testId="enroll-done">Enrolled as {result.user}{result.team ? ` (team ${result.team})` : ''} in {result.org}; the PAT is in the OS keychain.{result.sync ? ` ${result.sync}` : ''}</Notice>}
    </form>
  );
}

/** Enrollment, the policy in force, the last sync and the outbox; a button runs a cycle now (POST /api/sync). */
function FleetSync({ sync, reload }: { sync: SyncStatus; reload: () => void }) {
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const e = sync.enrollment;
  const last = sync.last_sync;
  const enroll = desktopBridge()?.enroll?.bind(window.gatehouse);
  const runNow = () => {
    setRunning(true);
    setFailure(null);
    api<SyncCycleResult>('/api/sync', { method: 'POST' })
      .then(() => reload(), (err: ApiError) => setFailure(err.message))
      .finally(() => setRunning(false));
  };
  return (
    <section className="card" data-testid="settings-sync">
      <h3>Fleet sync</h3>
      {e === null ? (
        <>
          <p data-testid="sync-enrollment">
            Not enrolled: the local policy applies. Enroll with <code>gatehouse enroll --central URL</code> (your PAT on stdin, or <code>GATEHOUSE_PAT</code> on a machine without a keychain){enroll ? ', or here' : ''}.
          </p>
          {enroll && <EnrollForm enroll={enroll} done={reload} />}
        </>
      ) : (
        <dl className="facts">
          <div><dt>central</dt><dd className="mono" data-testid="sync-central">{e.central_url}</dd></div>
          <div><dt>org · user</dt><dd data-testid="sync-org">{e.org} · {e.user}{e.team ? ` (team ${e.team})` : ''}</dd></div>
          <div><dt>device</dt><dd className="mono" data-testid="sync-device">{e.device_id}</dd></div>
          <div><dt>policy</dt><dd data-testid="sync-policy">{sync.policy.source === 'org' ? `org v${sync.policy.version}` : `${sync.policy.source} (no verified org bundle in force)`}</dd></div>
          <div>
            <dt>last sync</dt>
            <dd data-testid="sync-last">{last === null ? 'not yet' : `${new Date(last.at).toLocaleString()} · ${OUTCOME[last.outcome]}${last.version !== null ? ` · v${last.version} in force` : ''}`}</dd>
          </div>
          {last?.error && <div><dt>sync error</dt><dd className="err" data-testid="sync-error">{last.error}</dd></div>}
          <div><dt>outbox</dt><dd data-testid="sync-outbox">{sync.outbox.depth} waiting{sync.outbox.dropped > 0 ? ` · ${sync.outbox.dropped} dropped (${sync.outbox.overflow})` : ''}</dd></div>
          <div><dt>interval</dt><dd>{sync.interval_seconds} s ± 10%{sync.next_sync_at ? ` · next ${new Date(sync.next_sync_at).toLocaleTimeString()}` : ''}</dd></div>
        </dl>
      )}
      {e !== null && (
        <p>
          <button type="button" onClick={runNow} disabled={running} data-testid="sync-now">{running ? 'Syncing…' : 'Sync now'}</button>{' '}
          <span className="muted">the same as <code>gatehouse sync now</code>; <code>gatehouse unenroll</code> goes back to the local policy.</span>
        </p>
      )}
      {failure && <Notice kind="error" testId="sync-failure">{failure}</Notice>}
    </section>
  );
}

/** Providers and their keys' presence, the token, identity and enrollment, and setup snippets. */
export function SettingsView() {
  const settings = useApi<Settings>('/api/settings');
  const missing = settings.error !== null && isMissingEndpoint(settings.error);
  const status = useApi<Status>(missing ? '/api/status' : null);
  const s = settings.data;
  return (
    <section className="settings" data-testid="settings">
      <h2>Settings</h2>
      <TokenCard />
      {settings.error && !missing && <Failure error={settings.error} missing="" />}
      {missing && (
        <>
          <Notice testId="unavailable">This gateway has no settings endpoint yet, so key presence, enrollment and setup snippets are not shown: update the gateway. Its providers:</Notice>
          {status.data ? <ul data-testid="status-providers">{status.data.providers.map((p) => <li key={p.id}>{p.id} ({p.kind})</li>)}</ul> : <Loading />}
        </>
      )}
      {!s && !settings.error && <Loading />}
      {s && (
        <>
          <Providers s={s} reload={settings.reload} />
          <section className="card" data-testid="settings-identity">
            <h3>Identity and enrollment</h3>
            <p>
              {s.identity.user}{s.identity.team ? ` · team ${s.identity.team}` : ''}{s.identity.org ? ` · ${s.identity.org}` : ''} <span className="muted">({s.identity.source}); token from {s.token.source}</span>
            </p>
            <p data-testid="enrollment">
              {s.enrollment.enrolled ? `Enrolled with ${s.enrollment.central ?? 'the central gateway'}.` : 'Not enrolled: the local policy applies. Enroll with gatehouse enroll --central URL (your PAT on stdin).'}
            </p>
          </section>
          {s.sync && <FleetSync sync={s.sync} reload={settings.reload} />}
          <Setup s={s} />
        </>
      )}
    </section>
  );
}
