import { cardAt, ssnAt } from './cards.js';
import { ipv4At } from './ip.js';
import { PATTERNS } from './patterns.js';
import { phoneIn, type PhoneRegions } from './phone.js';
import type { Span } from './span.js';

export interface NumberOptions {
  ip: boolean;
  privateIps: boolean;
  card: boolean;
  reportTestCards: boolean;
  ssn: boolean;
  /** Null when phones are not looked for. */
  phone: PhoneRegions | null;
}

/**
 * The number-shaped entities in one pass: code and logs are dense with digits, and one
 * regex over them costs what each of four would. Each numeric run is an IPv4 address, a
 * card, an SSN or a phone, tried in that order (an address is never also a phone).
 */
export function findNumbers(text: string, out: Span[], o: NumberOptions): void {
  const re = PATTERNS.numeric;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Shorter than the shortest of them (`1.2.3.4`): most numbers in code leave here.
    if (m[0].length < 7) continue;
    const end = m.index + m[0].length;
    const at = text.charCodeAt(m.index) === 40 ? m.index + 1 : m.index;
    if (o.ip && ipv4At(text, at, out, o.privateIps)) continue;
    const prev = text.charCodeAt(at - 1);
    // After a '/' or '+' the digits are a path segment or a phone, not a card or an SSN.
    if (prev !== 47 && prev !== 43) {
      if (o.card && cardAt(text, at, out, o.reportTestCards)) continue;
      if (o.ssn && ssnAt(text, at, out)) continue;
    }
    if (o.phone) {
      const span = phoneIn(text, m.index, end, o.phone);
      if (span) out.push(span);
    }
  }
}
