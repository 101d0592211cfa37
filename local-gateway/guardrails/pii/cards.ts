import { PATTERNS } from './patterns.js';
import { digitsOf, lineBefore, type Span } from './span.js';

/**
 * Payment card numbers and US Social Security numbers: digit shapes checked by arithmetic.
 *
 * A card is 13-19 digits (grouped by spaces or dashes, or in one run) that pass Luhn and
 * start with an issuer prefix of that length (Visa, Mastercard, Amex, Discover, Diners, JCB,
 * UnionPay, Maestro). Luhn alone passes one random number in ten; the prefix rule keeps
 * millisecond timestamps (13 digits from 1…) and snowflake IDs out.
 *
 * Published test card numbers (Stripe's 4242 4242 4242 4242, 4111 1111 1111 1111, …) pass
 * every check: they are findings in prose, where a developer may be pasting a real-looking
 * number, and not in code (quoted, in a value position, or beside words such as `test` or
 * `stripe`), where they are fixtures that name no account. `report_test_cards: true`
 * reports them everywhere.
 */

/** Published test PANs (Stripe, Braintree, Adyen, PayPal, Checkout.com docs). */
export const TEST_CARDS = new Set([
  '4242424242424242', '4000056655665556', '4111111111111111', '4012888888881881', '4222222222222', '4000000000000002',
  '4000000000009995', '4000000000000077', '4000002500003155', '4000000000003220', '4917610000000000', '4462030000000000',
  '5555555555554444', '2223003122003222', '5200828282828210', '5105105105105100', '5431111111111111', '5454545454545454',
  '378282246310005', '371449635398431', '378734493671000', '6011111111111117', '6011000990139424', '6011000000000004',
  '3056930009020004', '36227206271667', '30569309025904', '38520000023237', '3566002020360505', '3530111333300000',
  '6200000000000005', '6759649826438453', '4000002760003184', '4000003800000446', '4000000000003063', '4000008400001629',
  '4000000000000341', '4000000000000119', '4000000000000101', '4000000000000069', '4000000000000127', '4000000000009987',
  '4000000000009979', '4100000000000019', '4000000000000259', '4000000000003055', '4000002500001001', '4000000760000002',
  '4000001240000000', '4000004840008001', '6205500000000000004', '3566000020000410', '6555900000604105', '4000000000000010',
]);

/**
 * A number only a test suite makes: published, or built by hand (a run of six equal digits,
 * `4000 0000 0000 0002`; two digits repeated, `5454 5454 5454 5454`). Told apart only in code
 * and test data: in prose it may be someone's card.
 */
function syntheticPan(d: string): boolean {
  if (TEST_CARDS.has(d)) return true;
  let run = 1;
  let periodic = true;
  for (let i = 1; i < d.length; i++) {
    run = d[i] === d[i - 1] ? run + 1 : 1;
    if (run >= 6) return true;
    if (i >= 2 && d[i] !== d[i - 2] && i < d.length - 1) periodic = false;
  }
  return periodic;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Whether an issuer uses this prefix with this many digits. */
export function issuerAccepts(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16;
  if (p2 === 34 || p2 === 37) return n === 15;
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p4 >= 3000 && p4 <= 3059)) return n >= 14 && n <= 19;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499) || p2 === 62) return n >= 16 && n <= 19;
  // Maestro.
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19;
  return false;
}

/** The rest of the line after `end`, up to `max` characters. */
function lineAfter(text: string, end: number, max = 40): string {
  const nl = text.indexOf('\n', end);
  return text.slice(end, Math.min(nl === -1 ? text.length : nl, end + max));
}

/** A test card number written as code or test data (`use 4242… for testing`), not as a number someone gives out. */
function fixtureContext(text: string, start: number, end: number): boolean {
  const q = text.charCodeAt(start - 1);
  if (q === 34 || q === 39 || q === 96) return true;
  const before = lineBefore(text, start, 80);
  return PATTERNS.codeValueBefore.test(before) || PATTERNS.testWords.test(before) || PATTERNS.testWords.test(lineAfter(text, end));
}

/** A card number where a numeric run starts; true when one is there (reported or a test card in code). */
export function cardAt(text: string, at: number, out: Span[], reportTestCards: boolean): boolean {
  const re = PATTERNS.card;
  re.lastIndex = at;
  const m = re.exec(text);
  if (!m) return false;
  const d = digitsOf(m[0]);
  if (!luhn(d) || !issuerAccepts(d)) return false;
  if (reportTestCards || !syntheticPan(d) || !fixtureContext(text, at, at + m[0].length)) out.push({ type: 'credit_card', start: at, end: at + m[0].length });
  return true;
}

/**
 * Area 001-899 but not 666, group not 00, serial not 0000. The numbers the SSA voided after
 * they were printed in ads (078-05-1120) stay findings: whoever writes one as an SSN means one.
 */
export function validSsn(d: string): boolean {
  const area = Number(d.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  return d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
}

/** An SSN where a numeric run starts; true when one was found. */
export function ssnAt(text: string, at: number, out: Span[]): boolean {
  const re = PATTERNS.ssn;
  re.lastIndex = at;
  const m = re.exec(text);
  if (!m || !validSsn(digitsOf(m[0]))) return false;
  // Dashes are how SSNs are written; spaces or none are any nine digits unless the text says SSN.
  if (m[0][3] !== '-' && !PATTERNS.ssnKeyword.test(lineBefore(text, at, 40))) return false;
  out.push({ type: 'ssn', start: at, end: at + m[0].length });
  return true;
}
