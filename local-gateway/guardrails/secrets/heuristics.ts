/** Text heuristics shared by the secrets rules: how random a value looks, and whether a human typed it as a stand-in. */

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

// What docs and templates put where a key goes; a real random token contains one of these
// four-letter-or-longer strings by chance about once in 10^5. Plain substrings: values are
// short, and a word list needs no linear-time proof.
const PLACEHOLDER_WORDS = [
  'example', 'sample', 'dummy', 'placeholder', 'changeme', 'change_me', 'change-me', 'your', 'xxxx', '***',
  'redacted', 'insert', 'replace', 'fake', 'todo', '...', '\u2026', '${', '{{', '%(', 'process.env', 'os.environ',
  'getenv', '01234567', '12345678', '23456789', 'abcdefgh', 'bcdefghi', 'qwerty',
];
// A human writes `your`, `YOUR` or `Your`; random text has `yOuR` as often, so mixed case does not count.
const PLACEHOLDER_VARIANTS = [...new Set(PLACEHOLDER_WORDS.flatMap((w) => [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)]))];
const ANGLED = /<[^<>]*>/;

/** Values a human wrote as an obvious stand-in: `sk-your-key-here`, `<token>`, `xxxx…`, `${VAR}`, repeated or sequential characters. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER_VARIANTS.some((w) => value.includes(w)) || ANGLED.test(value) || hasRun(value, 6);
}

/** A character repeated `n` times in a row (`000000`, `aaaaaa`): typed, not generated. */
export function hasRun(s: string, n: number): boolean {
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) ? run + 1 : 1;
    if (run >= n) return true;
  }
  return false;
}

/** Most of the dash- or underscore-separated parts are plain words: `sk-on-the-command-line-123` is a test fixture's name, not a key. */
export function isWordy(body: string): boolean {
  const parts = body.split(/[-_.]/).filter(Boolean);
  if (parts.length < 3) return false;
  // Lower-case words only: random base64url has capitalised runs (`Mtngt`) as often as not.
  const words = parts.filter((p) => /^[a-z]{3,}$/.test(p)).length;
  return words >= 2 && words * 2 >= parts.length;
}

/** For the linear-time proof. */
export const HEURISTIC_PATTERNS: readonly RegExp[] = [ANGLED];
