/** What the pii detectors share: the entity names, the span they report, and context helpers. */

/** The finding types of the pii guardrail, also the names `entities:` takes. */
export const ENTITIES = ['email', 'phone', 'credit_card', 'iban', 'ssn', 'ip_address'] as const;
export type Entity = (typeof ENTITIES)[number];

/** One value found: UTF-16 offsets into the text. */
export interface Span {
  type: Entity;
  start: number;
  end: number;
}

/** `[0-9A-Za-z_]`, tested on a char code: detectors test neighbours of every candidate. */
export function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Up to `max` characters before `start` on the same line: the context a keyword or a version marker sits in. */
export function lineBefore(text: string, start: number, max = 40): string {
  const from = Math.max(0, start - max);
  const nl = text.lastIndexOf('\n', start - 1);
  return text.slice(Math.max(from, nl + 1), start);
}

/** The digits of a value, for checksums and for comparing with the allow list whatever the grouping. */
export function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) out += s[i];
  return out;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const VERSION_WORDS = new Set(['v', 'ver', 'version', 'release', 'build', 'firmware', 'revision', 'rev', 'sdk', 'api']);

/**
 * Whether a dotted number at `at` follows a version marker: `version: 1.2.3.4`,
 * `"version": "10.0.0.1"`, `build 4.1.0.12`, `Chrome/120.0.0.0`. Read backwards by hand:
 * logs hold an address on every line, and this runs for each.
 */
export function versionBefore(text: string, at: number): boolean {
  let i = at;
  // Up to four of the characters between a key and its value: quotes, ':', '=', blanks.
  for (let n = 0; n < 4 && i > 0; n++) {
    const c = text.charCodeAt(i - 1);
    if (c !== 32 && c !== 9 && c !== 34 && c !== 39 && c !== 58 && c !== 61) break;
    i--;
  }
  if (text.charCodeAt(i - 1) === 47) return isLetter(text.charCodeAt(i - 2));
  let j = i;
  while (j > 0 && i - j < 12 && isLetter(text.charCodeAt(j - 1))) j--;
  if (j === i) return false;
  const word = text.slice(j, i).toLowerCase();
  return VERSION_WORDS.has(word) || word.endsWith('version');
}
