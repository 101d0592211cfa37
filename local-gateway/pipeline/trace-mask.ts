import { holdsSecret, REDACTED, redactSecrets } from '../core/redact.js';

/**
 * Masking for what a trace stores. `holdsSecret` over the raw text finds a secret written
 * plainly, but JSON text can spell one with escapes (`\u0072t-tok…`, `\/`), and a streamed
 * answer can split one across two deltas. Each check below runs only when the cheaper one
 * before it cannot rule a secret out, so a clean body costs a few scans and no copy.
 */

/**
 * Escapes that can stand for a character a secret holds; `\n`, `\"` and the like cannot. Any
 * run of backslashes counts: a string that holds `\u0073…` as text is `\\u0073…` in JSON.
 */
const ESCAPE = /\\+u([0-9a-fA-F]{4})|\\+\//g;

function unescapeText(text: string): string {
  return text.replace(ESCAPE, (_m, hex: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : '/'));
}

/**
 * A backslash before `u` or `/`, in one scan: two `includes` would each stop at every
 * backslash, and JSON text is full of them (`\n`, `\"`). 60 KB agent body: 19 µs, not 27.
 */
const MAY_HIDE = /\\[u/]/;

function mayHideSecret(text: string): boolean {
  return MAY_HIDE.test(text);
}

function maskString(s: string, secrets: readonly string[]): string {
  if (holdsSecret(s, secrets)) return redactSecrets(s, secrets);
  // A string holding escape sequences as text (a body that was not JSON, a header value): masked as decoded.
  if (mayHideSecret(s)) {
    const plain = unescapeText(s);
    if (holdsSecret(plain, secrets)) return redactSecrets(plain, secrets);
  }
  return s;
}

function maskValue(v: unknown, secrets: readonly string[]): unknown {
  if (typeof v === 'string') return maskString(v, secrets);
  if (Array.isArray(v)) return v.map((x) => maskValue(x, secrets));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of Object.entries(v)) out[maskString(k, secrets)] = maskValue(x, secrets);
  return out;
}

/**
 * JSON text with every known secret masked, however its strings spell it. Only a text whose
 * escapes decode to a secret is parsed and written again (its whitespace is then lost).
 */
export function maskJsonText(text: string, secrets: readonly string[]): string {
  const out = holdsSecret(text, secrets) ? redactSecrets(text, secrets) : text;
  if (!mayHideSecret(out) || !holdsSecret(unescapeText(out), secrets)) return out;
  try {
    return JSON.stringify(maskValue(JSON.parse(out), secrets));
  } catch {
    return JSON.stringify(redactSecrets(unescapeText(out), secrets));
  }
}

/** The text-bearing string fields of streamed events, in every client API's wire format. */
const DELTA_STRING = /"(content|text|delta|arguments|partial_json|thinking|reasoning|reasoning_content|refusal)":"((?:[^"\\]|\\.)*)"/g;

const decodeJsonString = (raw: string): string => (raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw);
const encodeJsonString = (s: string): string => JSON.stringify(s).slice(1, -1);

/**
 * A stream's events as stored: a secret the deltas only form together (`sk-upstr` + `eam…`) is
 * masked across the boundary. The first delta it touches gets the mask, the rest of it is
 * taken out of the deltas that carry it.
 */
export function maskStreamText(sse: string, secrets: readonly string[]): string {
  const masked = holdsSecret(sse, secrets) ? redactSecrets(sse, secrets) : sse;
  const pieces: string[] = [];
  for (const m of masked.matchAll(DELTA_STRING)) pieces.push(decodeJsonString(m[2]!));
  const joined = pieces.join('');
  if (!holdsSecret(joined, secrets)) return masked;
  // Which characters of the joined text belong to a secret, and where each occurrence starts.
  const hidden = new Uint8Array(joined.length);
  const starts = new Set<number>();
  for (const secret of secrets) {
    for (let at = joined.indexOf(secret); at !== -1; at = joined.indexOf(secret, at + secret.length)) {
      hidden.fill(1, at, at + secret.length);
      starts.add(at);
    }
  }
  let offset = 0;
  return masked.replace(DELTA_STRING, (_m, field: string, raw: string) => {
    const piece = decodeJsonString(raw);
    let out = '';
    for (let i = 0; i < piece.length; i++) {
      const at = offset + i;
      if (starts.has(at)) out += REDACTED;
      if (!hidden[at]) out += piece[i];
    }
    offset += piece.length;
    return `"${field}":"${encodeJsonString(out)}"`;
  });
}
