import { useState } from 'react';
import { isMissingEndpoint, useApi } from '../api';
import { clearToken, getToken } from '../auth';
import type { Settings, Status } from '../api-types';
import { Failure, Loading, Notice } from '../components/states';

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

function Providers({ s }: { s: Settings }) {
  return (
    <section className="card" data-testid="settings-providers">
      <h3>Providers</h3>
      <table className="table">
        <thead><tr><th>Id</th><th>Kind</th><th>Base URL</th><th>Key</th><th>Models</th></tr></thead>
        <tbody>
          {s.providers.map((p) => (
            <tr key={p.id} data-testid="provider-row">
              <td>{p.id}</td><td>{p.kind}</td><td className="mono">{p.base_url}</td>
              <td className={p.key.ref === null || p.key.present ? 'ok' : 'err'} data-testid="provider-key">
                {keyState(p.key)}
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
          <Providers s={s} />
          <section className="card" data-testid="settings-identity">
            <h3>Identity and enrollment</h3>
            <p>
              {s.identity.user}{s.identity.team ? ` · team ${s.identity.team}` : ''}{s.identity.org ? ` · ${s.identity.org}` : ''} <span className="muted">({s.identity.source}); token from {s.token.source}</span>
            </p>
            <p data-testid="enrollment">
              {s.enrollment.enrolled ? `Enrolled with ${s.enrollment.central ?? 'the central gateway'}.` : 'Not enrolled: the local policy file applies. Enroll with gatehouse enroll --central URL (your PAT on stdin).'}
            </p>
          </section>
          <Setup s={s} />
        </>
      )}
    </section>
  );
}
