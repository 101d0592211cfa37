/** Display helpers: every value from a trace is shown as text, never as HTML. */

export function time(ms: number): string {
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString(undefined, { hour12: false }) : d.toLocaleString(undefined, { hour12: false });
}

/** A list row's start: the time for today's rows, the date too for older ones (`Dec 5 14:02`). */
export function listTime(ms: number, now = new Date()): string {
  const d = new Date(ms);
  if (now.toDateString() === d.toDateString()) return d.toLocaleTimeString('en-GB', { hour12: false });
  const day = d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }) });
  return `${day} ${d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false })}`;
}

/**
 * Time to first token of a stream: the stages before the provider's first chunk plus the wait
 * for it (phases are in the order they ran); null for a request that did not stream.
 */
export function ttft(phases: Record<string, number>): number | null {
  if (phases.first_chunk === undefined) return null;
  let sum = 0;
  for (const [k, v] of Object.entries(phases)) {
    sum += v;
    if (k === 'first_chunk') return sum;
  }
  return sum;
}

/** What a session id shows: enough to tell sessions apart in a list. */
export function shortSession(s: string): string {
  return s.startsWith('conv-') ? s.slice(5, 11) : s.replace(/-/g, '').slice(-6);
}

/** One stable hue per session, so a session's turns are recognisable down the list. */
export function sessionHue(s: string): number {
  // FNV-1a: ids that differ in one character still land far apart on the wheel.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) % 360;
}

const API_LABELS: Record<string, string> = { 'chat.completions': 'chat', messages: 'messages', responses: 'responses', embeddings: 'embeddings' };

/** The client API of a call in a word (`chat`, `messages`), or its method and path (`GET /v1/models`). */
export function apiLabel(t: { api: string; method: string; path: string }): string {
  if (t.api === 'mcp') return 'tool call';
  return t.method === 'POST' && API_LABELS[t.api] && !t.path.includes('count_tokens') ? API_LABELS[t.api]! : `${t.method} ${t.path}`;
}

/** Error codes whose name says less than a few words. */
const ERROR_LABELS: Record<string, string> = { GH_ERR_SHUTDOWN: 'cut by shutdown', GH_ERR_CLIENT_CLOSED: 'client hung up' };

export function errorLabel(code: string): string {
  return ERROR_LABELS[code] ?? code;
}

export function int(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : n.toLocaleString('en-US');
}

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n === 0) return '$0';
  return n < 0.01 ? `$${n.toFixed(5)}` : `$${n.toFixed(2)}`;
}

export function ms(n: number): string {
  if (n >= 1000) return `${(n / 1000).toFixed(2)} s`;
  return n >= 10 ? `${Math.round(n)} ms` : `${n.toFixed(n >= 1 ? 1 : 2)} ms`;
}

/** `claude-cli/2.1.197 (external, cli)` → `claude-cli/2.1.197`. */
export function agent(ua: string | null): string {
  return ua === null ? '–' : (ua.split(' ')[0] ?? ua);
}
