import { emailDomain, findEmails } from './email.js';
import { findIbans } from './iban.js';
import { findIPv6 } from './ip.js';
import { findNumbers, type NumberOptions } from './numbers.js';
import { PATTERNS } from './patterns.js';
import { phoneRegions } from './phone.js';
import type { Entity, Span } from './span.js';

export interface DetectorOptions {
  entities: readonly Entity[];
  phoneRegions: readonly string[];
  reportTestCards: boolean;
  privateIps: boolean;
  /** Values never reported: literals (compared without case, and numbers without their separators), or email domains. */
  allow: readonly string[];
}

/** Letters and digits only, upper-cased: `DE89 3704…` and `de8937…` are one IBAN, `4242-4242…` and `4242 4242…` one card. */
const compact = (s: string) => s.replace(PATTERNS.nonAlnum, '').toUpperCase();

function allowList(entries: readonly string[]): (type: Entity, value: string) => boolean {
  if (entries.length === 0) return () => false;
  const literals = new Set(entries.map((e) => e.toLowerCase()));
  const compacts = new Set(entries.map(compact).filter((e) => e.length > 0));
  const domains = entries.filter((e) => !e.slice(1).includes('@')).map((e) => (e.startsWith('@') ? e.slice(1) : e).toLowerCase());
  return (type, value) => {
    if (literals.has(value.toLowerCase())) return true;
    if (type === 'email') {
      const d = emailDomain(value);
      return domains.some((a) => d === a || d.endsWith(`.${a}`));
    }
    return compacts.has(compact(value));
  };
}

/**
 * The pii detector for one configuration: every enabled entity's finder over a text, then
 * overlaps resolved (the earlier, then the longer span wins: `::ffff:192.0.2.1` is one IPv6
 * address, not an IPv4 one inside it) and allowed values dropped.
 */
export function createDetector(o: DetectorOptions): (text: string) => Span[] {
  const on = new Set(o.entities);
  const numbers: NumberOptions = {
    ip: on.has('ip_address'),
    privateIps: o.privateIps,
    card: on.has('credit_card'),
    reportTestCards: o.reportTestCards,
    ssn: on.has('ssn'),
    phone: on.has('phone') ? phoneRegions(o.phoneRegions) : null,
  };
  const anyNumber = numbers.ip || numbers.card || numbers.ssn || numbers.phone !== null;
  const allowed = allowList(o.allow);
  return (text) => {
    const found: Span[] = [];
    if (on.has('email')) findEmails(text, found);
    if (on.has('iban')) findIbans(text, found);
    if (anyNumber) findNumbers(text, found, numbers);
    if (numbers.ip) findIPv6(text, found, o.privateIps);
    if (found.length === 0) return found;
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    const out: Span[] = [];
    let end = -1;
    for (const s of found) {
      if (s.start < end) continue;
      end = s.end;
      if (!allowed(s.type, text.slice(s.start, s.end))) out.push(s);
    }
    return out;
  };
}
