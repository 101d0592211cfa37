import { PATTERNS } from './patterns.js';
import { isWord, type Span } from './span.js';

/**
 * IBANs: a country code, two check digits and the account number, compact
 * (`DE89370400440532013000`) or in groups of four (`DE89 3704 0044 0532 0130 00`). The
 * candidate takes exactly the country's length (SWIFT's IBAN registry) and must pass
 * ISO 7064 mod-97; a random string passes one time in 97, and also has to have the right
 * length and end there. Upper case only, as IBANs are printed.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30,
  KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

function isUpperAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/** ISO 7064 mod 97-10 over the IBAN with its first four characters moved to the end. */
export function ibanChecksumOk(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Letters count as two digits (A = 10 … Z = 35).
    rest = c <= 57 ? (rest * 10 + (c - 48)) % 97 : (rest * 100 + (c - 55)) % 97;
  }
  return rest === 1;
}

/** The IBAN starting at `start`: exactly the country's length, single spaces allowed between characters. */
function ibanAt(text: string, start: number): Span | null {
  const want = IBAN_LENGTHS[text.slice(start, start + 2)];
  if (want === undefined) return null;
  let compact = '';
  let end = start;
  while (compact.length < want && end < text.length) {
    const c = text.charCodeAt(end);
    if (isUpperAlnum(c)) compact += text[end];
    else if (c !== 32 || !isUpperAlnum(text.charCodeAt(end + 1)) || end === start) break;
    end++;
  }
  if (compact.length !== want || isWord(text.charCodeAt(end))) return null;
  return ibanChecksumOk(compact) ? { type: 'iban', start, end } : null;
}

export function findIbans(text: string, out: Span[]): void {
  const re = PATTERNS.iban;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const span = ibanAt(text, m.index);
    if (span) {
      out.push(span);
      re.lastIndex = span.end;
    }
  }
}
