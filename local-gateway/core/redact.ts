/** Headers whose values are credentials: never stored, logged or shown. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
  'x-amz-security-token',
]);

export const REDACTED = '[redacted]';

/**
 * Copies headers for storage with credentials replaced, and any value that contains a
 * known secret (the local token, a provider key) masked wherever it appears.
 */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
  secrets: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  // Runs twice per traced request: a for-in and a scan first, so a clean value costs no copies.
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const key = name.toLowerCase();
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    out[key] = SECRET_HEADERS.has(key) ? REDACTED : holdsSecret(value, secrets) ? redactSecrets(value, secrets) : value;
  }
  return out;
}

/** Short values would mask ordinary words; real keys and tokens are long. */
const MIN_SECRET_LENGTH = 8;

/**
 * Every secret value this process has held: the local token, each provider key once it is
 * resolved, the PAT. One process-wide list, because a secret known anywhere in the process
 * must be masked everywhere: traces, log lines, error messages. It only grows.
 */
const known: string[] = [];

/**
 * The other spellings of a secret that text can carry without decoding: base64 (standard and
 * URL-safe, at each of the three byte alignments a secret can have inside a longer encoded
 * text: only the 4-character groups that encode the secret's bytes alone) and percent-encoding
 * (`encodeURIComponent`, and every byte as `%XX`). JSON `\u` escapes are undone where a trace
 * is masked (pipeline/trace-mask.ts).
 */
export function secretSpellings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out = new Set<string>([value, encodeURIComponent(value)]);
  for (let start = 0; start < 3; start++) {
    const whole = Math.floor((bytes.length - start) / 3) * 3;
    if (whole <= 0) continue;
    const b64 = bytes.subarray(start, start + whole).toString('base64');
    out.add(b64);
    out.add(b64.replaceAll('+', '-').replaceAll('/', '_'));
  }
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0'));
  out.add(hex.map((h) => `%${h.toUpperCase()}`).join(''));
  out.add(hex.map((h) => `%${h}`).join(''));
  return [...out].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** Adds a value, in every spelling of `secretSpellings`, to the process-wide list of secrets to mask. */
export function registerSecret(value: string | null | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  for (const spelling of secretSpellings(value)) if (!known.includes(spelling)) known.push(spelling);
}

/** The live list: it grows as secrets are registered, so holders always mask the latest. */
export function knownSecrets(): readonly string[] {
  return known;
}

/** How often a character starts a false match in prompts, code and JSON: lower is rarer. */
function commonness(ch: string): number {
  if (/[BDFGHJKLMNOPQRUVWXYZ]/.test(ch)) return 0;
  if (/[A-Z_~^|]/.test(ch)) return 1;
  if (/[3-9]/.test(ch)) return 2;
  if (/[^a-z0-9 ]/.test(ch)) return 3;
  return 4;
}

const PROBE_LENGTH = 8;
const probes = new Map<string, string>();

/**
 * A window of the secret that begins with a character ordinary text seldom has. V8's
 * `includes` stops at every occurrence of the needle's first character; for `sk-…` that is
 * every "s" of a 256 KiB prompt (~20 µs a secret), for a window starting at an upper-case
 * letter of the random part almost nothing (~2 µs). The whole secret is checked only where
 * the window occurs. See `bench/redact.ts`.
 */
function probeOf(secret: string): string {
  let probe = probes.get(secret);
  if (probe === undefined) {
    let best = 0;
    for (let i = 1; i <= secret.length - PROBE_LENGTH; i++) if (commonness(secret[i]!) < commonness(secret[best]!)) best = i;
    probe = secret.slice(best, best + PROBE_LENGTH);
    probes.set(secret, probe);
  }
  return probe;
}

function occursIn(text: string, secret: string): boolean {
  return secret.length >= MIN_SECRET_LENGTH && text.includes(probeOf(secret)) && text.includes(secret);
}

/** Replaces every occurrence of a known secret in a string. */
export function redactSecrets(text: string, secrets: readonly string[] = known): string {
  // Found in the original first: the string a replacement returns is searched slowly until V8 flattens it.
  const found = secrets.filter((s) => occursIn(text, s));
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const s of found.sort((a, b) => b.length - a.length)) out = out.replaceAll(s, REDACTED);
  return out;
}

/**
 * `redactSecrets` for free text that may spell a secret with JSON `\u` escapes written out (a
 * provider's error message quoting its key so): such a text is masked as decoded.
 */
export function redactSpelled(text: string, secrets: readonly string[] = known): string {
  const out = redactSecrets(text, secrets);
  if (!out.includes('\\u')) return out;
  const decoded = out.replace(/\\+u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return holdsSecret(decoded, secrets) ? redactSecrets(decoded, secrets) : out;
}

/** Whether any known secret occurs in the text: a few fast scans, no copy. */
export function holdsSecret(text: string, secrets: readonly string[] = known): boolean {
  return secrets.some((s) => occursIn(text, s));
}
