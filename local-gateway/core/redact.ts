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
/** Values already registered: a provider key is registered again on every call that resolves it. */
const registered = new Set<string>();

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
  if (!value || value.length < MIN_SECRET_LENGTH || registered.has(value)) return;
  registered.add(value);
  for (const spelling of secretSpellings(value)) if (!known.includes(spelling)) known.push(spelling);
}

/** The live list: it grows as secrets are registered, so holders always mask the latest. */
export function knownSecrets(): readonly string[] {
  return known;
}

/** Hash table size for pairs of characters (a power of two). */
const PAIRS = 1 << 12;
const pairOf = (a: number, b: number): number => ((a << 5) ^ b) & (PAIRS - 1);

/**
 * Characters seldom seen in prompts, code and JSON, so a needle starting with one is found
 * fast: upper-case letters other than the common ones, and `%` (every percent-encoded spelling
 * has one every third character).
 */
const RARE_START = /[BDFGHJKLMNOPQRUVWXYZ%]/;

/**
 * Finds any of many secrets in a text. V8's `includes` stops at every occurrence of the
 * needle's first character: a needle that starts with a rare character costs ~1 µs on a 60 KB
 * prompt, one that starts with "b" or "s" ~100 µs. So each secret is looked for by an
 * 8-character window of it that starts with such a character (a random token or key has
 * one), and the secrets without one (a token that is a lower-case word) are found together in one pass
 * (Wu–Manber, blocks of two characters over their first MIN_SECRET_LENGTH characters), which
 * skips up to 7 characters at a time and checks a secret in full only where a window ends
 * with its prefix's last pair. See `bench/redact.ts`.
 */
class SecretScanner {
  /** Secrets with a window that starts rare: [window, secret]. */
  private readonly probed: [string, string][] = [];
  /** How far the pass may move when the last two characters are this pair. */
  private readonly shift = new Uint8Array(PAIRS).fill(MIN_SECRET_LENGTH - 1);
  /** The pass's secrets whose prefix ends with this pair, to check where the shift is 0. */
  private readonly ends = new Map<number, string[]>();

  constructor(secrets: readonly string[]) {
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      const at = secret.slice(0, secret.length - MIN_SECRET_LENGTH + 1).search(RARE_START);
      if (at !== -1) this.probed.push([secret.slice(at, at + MIN_SECRET_LENGTH), secret]);
      else this.addToPass(secret);
    }
  }

  private addToPass(secret: string): void {
    for (let j = 1; j < MIN_SECRET_LENGTH; j++) {
      const h = pairOf(secret.charCodeAt(j - 1), secret.charCodeAt(j));
      this.shift[h] = Math.min(this.shift[h]!, MIN_SECRET_LENGTH - 1 - j);
    }
    const h = pairOf(secret.charCodeAt(MIN_SECRET_LENGTH - 2), secret.charCodeAt(MIN_SECRET_LENGTH - 1));
    const list = this.ends.get(h);
    if (list) list.push(secret);
    else this.ends.set(h, [secret]);
  }

  /** The secrets that occur in `text`; with `first`, stops at the first one found. */
  find(text: string, first: boolean): string[] {
    const found: string[] = [];
    for (const [probe, secret] of this.probed) {
      if (text.includes(probe) && text.includes(secret) && !found.includes(secret)) {
        found.push(secret);
        if (first) return found;
      }
    }
    if (this.ends.size === 0) return found;
    const { shift, ends } = this;
    for (let i = MIN_SECRET_LENGTH - 1; i < text.length; ) {
      const h = pairOf(text.charCodeAt(i - 1), text.charCodeAt(i));
      const step = shift[h]!;
      if (step > 0) {
        i += step;
        continue;
      }
      const start = i - MIN_SECRET_LENGTH + 1;
      for (const secret of ends.get(h)!) {
        if (!found.includes(secret) && text.startsWith(secret, start)) {
          found.push(secret);
          if (first) return found;
        }
      }
      i++;
    }
    return found;
  }
}

/**
 * One scanner per list of secrets. Lists only grow (the process-wide one as secrets are
 * registered), so a longer list than the scanner was built for gets a new one.
 */
const scanners = new WeakMap<readonly string[], { size: number; scanner: SecretScanner }>();

function scannerFor(secrets: readonly string[]): SecretScanner {
  let entry = scanners.get(secrets);
  if (entry === undefined || entry.size !== secrets.length) {
    entry = { size: secrets.length, scanner: new SecretScanner(secrets) };
    scanners.set(secrets, entry);
  }
  return entry.scanner;
}

/** Replaces every occurrence of a known secret in a string. */
export function redactSecrets(text: string, secrets: readonly string[] = known): string {
  // Found in the original first: the string a replacement returns is searched slowly until V8 flattens it.
  const found = scannerFor(secrets).find(text, false);
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
  return secrets.length > 0 && scannerFor(secrets).find(text, true).length > 0;
}
