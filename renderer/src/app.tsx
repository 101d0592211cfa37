import { useState, type FormEvent } from 'react';
import { Prose } from './components/prose';
import { getToken, setToken } from './auth';
import { NO_TOKEN } from './api';
import { href, useRoute } from './router';
import { useTheme } from './theme';
import { TracesView } from './views/traces';
import { TraceDetailView } from './views/trace-detail';
import { PreviewView } from './views/preview';
import { PolicyView } from './views/policy';
import { UsageView } from './views/usage';
import { SettingsView } from './views/settings';

const NAV = [
  ['traces', 'Traces'],
  ['preview', 'Prod preview'],
  ['policy', 'Policy'],
  ['usage', 'Usage'],
  ['settings', 'Settings'],
] as const;

/** Without a token nothing can load: say where to get one, and take a pasted one. */
function TokenGate({ onToken }: { onToken: () => void }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return;
    setToken(value);
    onToken();
  };
  return (
    <section className="gate" data-testid="token-gate">
      <h2>Open the dashboard with your local token</h2>
      <p data-testid="token-gate-text">
        <Prose text={NO_TOKEN} />
      </p>
      <form onSubmit={submit}>
        <label>
          Local token <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} data-testid="token-input" />
        </label>
        <button type="submit">Open</button>
      </form>
    </section>
  );
}

export function App() {
  const route = useRoute();
  const [theme, nextTheme] = useTheme();
  const [, setAuthed] = useState(0);
  const token = getToken();
  const [section = 'traces', id] = route.parts;

  let view;
  if (!token) view = <TokenGate onToken={() => setAuthed((n) => n + 1)} />;
  else if (section === 'traces' && id !== undefined) view = <TraceDetailView id={id} />;
  else if (section === 'preview') view = <PreviewView />;
  else if (section === 'policy') view = <PolicyView />;
  else if (section === 'usage') view = <UsageView />;
  else if (section === 'settings') view = <SettingsView />;
  else view = <TracesView params={route.params} />;

  return (
    <div className="app">
      <header className="top">
        <h1>Gatehouse</h1>
        <nav aria-label="Views">
          {NAV.map(([path, label]) => (
            <a key={path} href={href(path)} aria-current={section === path ? 'page' : undefined} data-testid={`nav-${path}`}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" className="theme" onClick={nextTheme} data-testid="theme-toggle" title="Theme: system, dark or light">
          Theme: {theme}
        </button>
      </header>
      <main>{view}</main>
    </div>
  );
}
