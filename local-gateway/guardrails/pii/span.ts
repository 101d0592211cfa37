import { PATTERNS } from './patterns.js';

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

const VERSION_WORDS = new Set(['v', 'ver', 'rev', 'sdk', 'api']);
/** Stems of the words (`released`, `builds`, `upgraded to`, `section`) after which a dotted number is a version or a section. */
const VERSION_STEMS = ['version', 'release', 'build', 'firmware', 'revision', 'upgrad', 'downgrad', 'bump', 'patch', 'section', 'chapter', 'clause'];

/** Skips back over blanks, quotes, ':' and '=' (at most four): what stands between a key and its value. */
function skipKeyGap(text: string, at: number): number {
  let i = at;
  for (let n = 0; n < 4 && i > 0; n++) {
    const c = text.charCodeAt(i - 1);
    if (c !== 32 && c !== 9 && c !== 34 && c !== 39 && c !== 58 && c !== 61) break;
    i--;
  }
  return i;
}

/** The start of a dotted number before `at` joined to it by `->`, `to`, `and`, `or` or a comma, or -1. */
function versionBeforeArrow(text: string, at: number): number {
  const before = text.slice(Math.max(0, at - 6), at);
  const arrow = PATTERNS.versionArrow.exec(before.trimEnd());
  if (!arrow) return -1;
  let i = at - (before.length - before.trimEnd().length) - arrow[0].length;
  while (i > 0 && text.charCodeAt(i - 1) === 32) i--;
  const end = i;
  while (i > 0 && (isDigit(text.charCodeAt(i - 1)) || text.charCodeAt(i - 1) === 46)) i--;
  return end - i >= 3 && text.slice(i, end).includes('.') ? i : -1;
}

/**
 * Whether a dotted number at `at` follows a version marker: `version: 1.2.3.4`,
 * `"version": "10.0.0.1"`, `build 4.1.0.12`, `Chrome/120.0.0.0`, or follows one of them
 * (`bump 1.0.0.1 -> 1.0.0.2`, `section 25.4.5.4 and 24.2.4.21`). Read backwards by hand: logs hold an address on
 * every line, and this runs for each.
 */
export function versionBefore(text: string, at: number, depth = 0): boolean {
  const i = skipKeyGap(text, at);
  if (text.charCodeAt(i - 1) === 47) return isLetter(text.charCodeAt(i - 2));
  let j = i;
  while (j > 0 && i - j < 12 && isLetter(text.charCodeAt(j - 1))) j--;
  if (j < i) {
    const word = text.slice(j, i).toLowerCase();
    if (VERSION_WORDS.has(word) || word.endsWith('version') || VERSION_STEMS.some((v) => word.startsWith(v))) return true;
  }
  if (depth > 0) return false;
  const prev = versionBeforeArrow(text, at);
  return prev !== -1 && (threeParts(text, prev) || versionBefore(text, prev, 1));
}

/** A dotted number of exactly three parts at `at` (`2.15.2`): a version, never an address, so what it is joined to is one too. */
function threeParts(text: string, at: number): boolean {
  let dots = 0;
  let i = at;
  for (; i < text.length && (isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === 46); i++) if (text.charCodeAt(i) === 46) dots++;
  return dots === 2 && text.charCodeAt(i - 1) !== 46;
}

/**
 * Whether the word right before `at` (across one blank) mixes letters and digits, as the
 * groups of a tracking number, serial or licence key do (`1Z 999 AA1 01 2345 6784`): digits
 * after it continue that code. A phone number follows words, labels and punctuation.
 */
export function codeBefore(text: string, at: number): boolean {
  if (text.charCodeAt(at - 1) !== 32) return false;
  let i = at - 1;
  let letter = false;
  let digit = false;
  while (i > 0 && at - i < 16) {
    const c = text.charCodeAt(i - 1);
    if (isLetter(c)) letter = true;
    else if (isDigit(c)) digit = true;
    else break;
    i--;
  }
  return letter && digit;
}
