import { createRequire } from 'node:module';
import type * as LibPhoneNumber from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { PATTERNS } from './patterns.js';
import { codeBefore, digitsOf, isWord, lineBefore, versionBefore, type Span } from './span.js';

/**
 * Phone numbers, validated with libphonenumber-js (full metadata). A candidate is a run of
 * digit groups; most runs in code are short numbers and leave at the length check.
 *
 * - `+…` international numbers, any country: valid, or of a possible length and written
 *   in groups (`+44 7700 900123`, a reserved drama number, is still shaped like a phone).
 * - National numbers for the configured regions: NANP (US, CA, …) in its 3-3-4 layout
 *   (`(415) 555-2671`, `415.555.2671`; 555 numbers included, as people write them);
 *   elsewhere with the trunk `0` (`020 7946 0958`, `0151 23456789`, `06 12 34 56 78`) and
 *   valid for one of the regions; or a valid mobile number written in groups of three or
 *   more digits (`98765 43210` in India).
 * - A number in one unbroken run (`4155552671`) only right after a word such as `phone`,
 *   `tel`, `call`, `mobile`: alone it is as likely an ID or a timestamp.
 *
 * Never phones: dates (`2024-01-15`, `15.01.2024`), dotted runs after a version marker or
 * with fewer than four groups (`1.22.333`), digits glued to letters (hex, identifiers).
 */

type Lib = typeof LibPhoneNumber;

// Loaded when the first pii guardrail that looks for phones is built: the metadata is
// ~150 KB of JSON and a gateway without such a guardrail should not parse it at start.
let lib: Lib | null = null;
export function phoneLib(): Lib {
  lib ??= createRequire(import.meta.url)('libphonenumber-js/max') as Lib;
  return lib;
}

export interface PhoneRegions {
  nanp: boolean;
  /** The configured regions outside the NANP, where national numbers carry a trunk `0` or are mobiles. */
  others: CountryCode[];
}

export function phoneRegions(codes: readonly string[]): PhoneRegions {
  const l = phoneLib();
  const regions = codes as CountryCode[];
  return {
    nanp: regions.some((r) => l.getCountryCallingCode(r) === '1'),
    others: regions.filter((r) => l.getCountryCallingCode(r) !== '1'),
  };
}

// Parsing costs ~40 µs; logs and conversations repeat the same few numbers, so remember them.
const parsed = new Map<string, PhoneNumber | null>();

function parse(raw: string, region?: CountryCode): PhoneNumber | undefined {
  const key = `${region ?? ''}${raw}`;
  let n = parsed.get(key);
  if (n === undefined) {
    try {
      n = phoneLib().parsePhoneNumberFromString(raw, region) ?? null;
    } catch {
      n = null;
    }
    if (parsed.size >= 2048) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, n);
  }
  return n ?? undefined;
}

function international(raw: string, digits: number, grouped: boolean): boolean {
  if (digits < 8 || digits > 15) return false;
  const n = parse(raw);
  return !!n && (n.isValid() || (grouped && n.isPossible()));
}

function national(raw: string, groups: readonly string[], regions: PhoneRegions): boolean {
  if (regions.nanp && PATTERNS.nanp.test(raw)) return true;
  // One unbroken run (a keyword stood before it): a NANP number must then be a valid one.
  if (regions.nanp && groups.length === 1 && parse(raw, 'US')?.isValid()) return true;
  const trunk = raw[0] === '0' || raw.startsWith('(0');
  // Without a trunk prefix only a mobile in long groups counts; most runs leave here unparsed.
  if (!trunk && !groups.every((g) => g.length >= 3)) return false;
  for (const region of regions.others) {
    const n = parse(raw, region);
    if (n?.isValid() && (trunk || n.getType() === 'MOBILE')) return true;
  }
  return false;
}

/** Whether the text `raw` (a candidate run, or a shorter start of one) is a phone number. */
function isPhone(raw: string, keyword: () => boolean, regions: PhoneRegions): boolean {
  const digits = digitsOf(raw);
  const groups = raw.split(PATTERNS.nonDigits).filter((g) => g !== '');
  const grouped = groups.length > 1;
  // `000-000-0000`, `555-555-5555`: a form's placeholder.
  if (PATTERNS.sameDigits.test(digits.slice(-7))) return false;
  if (raw[0] === '+') return international(raw, digits.length, grouped);
  // Dates, ZIP+4 codes, and the SSN layout (an SSN out of range is still not a phone).
  if (digits.length < 8 || digits.length > 13 || PATTERNS.date.test(raw) || PATTERNS.zipShape.test(raw) || PATTERNS.ssnShape.test(raw)) return false;
  if (!grouped && !keyword()) return false;
  // Single digits past a country code or trunk (`+33 6 12…`, `(0)20`) are counting, not dialling: `0 1 2 3 4 5 6 7 8 9`.
  if (groups.slice(2).some((g) => g.length === 1)) return false;
  if (grouped && !PATTERNS.phoneSeparator.test(raw)) {
    // Dots only: NANP's 415.555.2671, or a trunk 0 then pairs (06.12.34.56.78, 0475.12.34.56);
    // `1.22.333` is a version, `0300.0250.01.01` an address in octal.
    const nanpDots = groups.length === 3 && groups[0]!.length === 3 && groups[1]!.length === 3 && groups[2]!.length === 4;
    const pairs = raw[0] === '0' && groups.length >= 4 && groups.slice(1).every((g) => g.length === 2);
    if (!nanpDots && !pairs) return false;
  }
  return national(raw, groups, regions);
}

/** Drops an unbalanced bracket at either end: `(0)20 7946 0958` keeps its brackets, `see 555-2671)` loses one. */
function balance(text: string, start: number, end: number): { start: number; end: number } {
  const raw = text.slice(start, end);
  const open = raw.split('(').length - 1;
  const close = raw.split(')').length - 1;
  if (close > open && raw.endsWith(')')) end--;
  else if (open > close && raw.startsWith('(')) start++;
  return { start, end };
}

function lastSeparator(raw: string): number {
  return Math.max(raw.lastIndexOf(' '), raw.lastIndexOf('-'), raw.lastIndexOf('.'), raw.lastIndexOf('/'));
}

/**
 * Most long runs in code and logs are not phones by their digits alone: IP addresses and
 * versions (dots only), long IDs and card numbers (too many digits). Told apart by one pass
 * over the characters, before anything is sliced or parsed.
 */
function plausible(text: string, from: number, to: number): boolean {
  let digits = 0;
  let dots = 0;
  let spaces = 0;
  let groups = 1;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else {
      if (c === 46) dots++;
      else if (c === 32) spaces++;
      if (c !== 40 && c !== 41 && c !== 43) groups++;
    }
  }
  // Dots and blanks together are decimals in a row (`0.42 0.38 0.31`), not one number.
  if (digits < 8 || digits > 15 || (dots > 0 && spaces > 0)) return false;
  // Dots alone: 415.555.2671 (three groups) or 06.12.34.56.78 (a trunk 0); `10.12.130.7` is an address.
  if (dots > 0 && dots === groups - 1) return groups === 3 || (text.charCodeAt(from) === 48 && groups >= 4);
  return true;
}

/** The phone number a numeric run `from`-`to` holds, if any. */
export function phoneIn(text: string, from: number, to: number, regions: PhoneRegions): Span | null {
  const before = text.charCodeAt(from - 1);
  // After a '/', '#', '$', '@' or '%': a path, an issue, an amount, a handle, an escape.
  if (before === 47 || before === 35 || before === 36 || before === 64 || before === 37) return null;
  const after = text.charCodeAt(to);
  // Glued to letters, an '@' or a '-word': part of an identifier, an address or a slug.
  if (isWord(after) || after === 64 || ((after === 45 || after === 95) && isWord(text.charCodeAt(to + 1)))) return null;
  if (!plausible(text, from, to)) return null;
  const { start, end } = balance(text, from, to);
  let kw: boolean | undefined;
  const keyword = () => (kw ??= PATTERNS.phoneKeyword.test(lineBefore(text, start, 40)));
  const raw = text.slice(start, end);
  if (versionBefore(text, start)) return null;
  if (raw[0] !== '+' && codeBefore(text, start)) return null;
  if (isPhone(raw, keyword, regions)) return { type: 'phone', start, end };
  // A run may carry more digits after the number (`+44 20 7946 0958 2024`, `020 7946 0958 / 0151 …`):
  // when it starts as only phones do (`+`, a trunk `0`, a bracket), try it without its last groups.
  if (!PATTERNS.strongPhoneStart.test(raw)) return null;
  for (let cut = lastSeparator(raw), tries = 0; cut > 0 && tries < 3; cut = lastSeparator(raw.slice(0, cut)), tries++) {
    const shorter = raw.slice(0, cut).trimEnd();
    if (isPhone(shorter, keyword, regions)) return { type: 'phone', start, end: start + shorter.length };
  }
  return null;
}
