import { holdsSecret, redactSecrets } from '../core/redact.js';

/**
 * Masking for what a trace stores. `holdsSecret` over the raw text finds a secret written
 * plainly, but JSON text can spell one with escapes (`\u0072t-tok…`, `\/`). Each check below runs only when the cheaper one
 * before it cannot rule a secret out, so a clean body costs a few scans and no copy.
 */

/** Escapes that can stand for a character a secret holds; `\n`, `\"` and the like cannot. */
const ESCAPE = /\\u([0-9a-fA-F]{4})|\\\//g;

function unescapeText(text: string): string {
  return text.replace(ESCAPE, (_m, hex: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : '/'));
}

function mayHideSecret(text: string): boolean {
  return text.includes('\\u') || text.includes('\\/');
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
