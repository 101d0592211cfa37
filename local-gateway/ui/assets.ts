/**
 * The built-in trace viewer served at `/ui/`: one page, no build step, no dependencies. It
 * reads the admin API with the token from the URL fragment (never sent to the server in a
 * URL) and renders every value as text, never as HTML: traces hold whatever prompts and
 * tool output contained.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse traces</title>
<link rel="stylesheet" href="/ui/app.css">
</head>
<body>
<header>
  <h1>Gatehouse</h1>
  <form id="filters">
    <select id="status" aria-label="Status"><option value="">any status</option><option value="ok">ok</option><option value="error">errors</option><option value="4xx">4xx</option><option value="5xx">5xx</option></select>
    <input id="model" placeholder="model" aria-label="Model">
    <input id="text" placeholder="search text" aria-label="Search text">
  </form>
  <span id="state" role="status"></span>
</header>
<main>
  <section id="login" hidden>
    <p>Open the dashboard from the URL <code>gatehouse start</code> prints (it carries the token), or paste the token (<code>npx gatehouse token</code>):</p>
    <form id="token-form"><input id="token" type="password" aria-label="Local token" autocomplete="off"><button>Open</button></form>
  </section>
  <table id="traces" hidden>
    <thead><tr><th>time</th><th>caller</th><th>model</th><th>status</th><th>tokens in / out</th><th>ms</th><th>error</th></tr></thead>
    <tbody></tbody>
  </table>
  <section id="detail" hidden><button id="close" type="button">Close</button><pre></pre></section>
</main>
<script src="/ui/app.js"></script>
</body>
</html>
`;

export const APP_CSS = `
:root { color-scheme: light dark; font: 13px/1.4 system-ui, sans-serif; }
body { margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid #8884; }
h1 { font-size: 1rem; margin: 0; }
form { display: flex; gap: .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .75rem; border-bottom: 1px solid #8882; white-space: nowrap; }
tbody tr { cursor: pointer; }
tbody tr:hover, tbody tr:focus { background: #8882; outline: none; }
.err { color: #d33; }
td.err { max-width: 40vw; overflow: hidden; text-overflow: ellipsis; }
#detail { position: fixed; inset: 3rem 0 0 40%; background: Canvas; border-left: 1px solid #8884; overflow: auto; padding: 1rem; }
pre { white-space: pre-wrap; word-break: break-word; }
#login { padding: 1rem; }
`;

export const APP_JS = `'use strict';
const $ = (id) => document.getElementById(id);
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  sessionStorage.setItem('gatehouse-token', fragment.get('token'));
  history.replaceState(null, '', location.pathname);
}
let token = sessionStorage.getItem('gatehouse-token');

async function api(path) {
  const res = await fetch(path, { headers: { authorization: 'Bearer ' + token } });
  if (res.status === 401) { sessionStorage.removeItem('gatehouse-token'); token = null; showLogin(); throw new Error('unauthorized'); }
  if (!res.ok) throw new Error((await res.json()).error?.message ?? res.statusText);
  return res.json();
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text == null ? '' : String(text);
  if (cls) td.className = cls;
}

function render(traces) {
  const body = $('traces').tBodies[0];
  body.replaceChildren();
  for (const t of traces) {
    const row = body.insertRow();
    row.tabIndex = 0;
    const model = t.resolved_model && t.resolved_model !== t.requested_model ? t.requested_model + ' → ' + t.resolved_model : (t.requested_model ?? '');
    cell(row, new Date(t.started_at).toLocaleTimeString());
    cell(row, t.caller.agent ?? t.caller.user);
    cell(row, model);
    cell(row, t.status, t.status >= 400 ? 'err' : '');
    cell(row, (t.tokens_in ?? '–') + ' / ' + (t.tokens_out ?? '–'));
    cell(row, Math.round(t.duration_ms));
    cell(row, t.error_message, 'err');
    const open = () => showDetail(t.id);
    row.addEventListener('click', open);
    row.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
  }
  $('state').textContent = traces.length ? traces.length + ' newest traces' : 'No traces yet: send a request to ' + location.origin + '/v1';
}

async function refresh() {
  if (!token) return;
  const q = new URLSearchParams({ limit: '100' });
  for (const id of ['status', 'model', 'text']) if ($(id).value) q.set(id, $(id).value);
  try {
    render((await api('/api/traces?' + q)).traces);
  } catch (err) {
    $('state').textContent = 'Cannot load traces: ' + err.message;
  }
}

async function showDetail(id) {
  const t = await api('/api/traces/' + encodeURIComponent(id));
  $('detail').querySelector('pre').textContent = JSON.stringify(t, null, 2);
  $('detail').hidden = false;
}

function showLogin() {
  $('login').hidden = false;
  $('traces').hidden = true;
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('gatehouse-token', token);
  $('login').hidden = true;
  $('traces').hidden = false;
  refresh();
});
$('filters').addEventListener('input', refresh);
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('close').addEventListener('click', () => { $('detail').hidden = true; });
if (token) { $('traces').hidden = false; refresh(); } else showLogin();
setInterval(() => { if (!document.hidden) refresh(); }, 2000);
`;
