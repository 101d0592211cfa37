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

/** Replaces every occurrence of a known secret in a string. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    // Short values would mask ordinary words; real keys and tokens are long.
    if (s.length >= 8 && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}
