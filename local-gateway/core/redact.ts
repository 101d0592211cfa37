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
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const key = name.toLowerCase();
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    out[key] = SECRET_HEADERS.has(key) ? REDACTED : redactSecrets(value, secrets);
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

/** Adds a value to the process-wide list of secrets to mask. */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH && !known.includes(value)) known.push(value);
}

/** The live list: it grows as secrets are registered, so holders always mask the latest. */
export function knownSecrets(): readonly string[] {
  return known;
}

/**
 * Replaces every occurrence of a known secret in a string. Each value costs one `includes`
 * scan when absent (the usual case), so agent-sized bodies pay microseconds, not a copy.
 */
export function redactSecrets(text: string, secrets: readonly string[] = known): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}

/** Whether any known secret occurs in the text. */
export function holdsSecret(text: string, secrets: readonly string[] = known): boolean {
  return secrets.some((s) => s.length >= MIN_SECRET_LENGTH && text.includes(s));
}
