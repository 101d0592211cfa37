import { isIP } from 'node:net';
import { PATTERNS } from './patterns.js';
import { isWord, versionBefore, type Span } from './span.js';

/**
 * IP addresses. Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10) are
 * findings: they map a company's network and appear beside the hosts and users in logs.
 * Not findings: addresses that name no host or network: loopback (127/8, ::1), unspecified
 * (0.0.0.0, ::, and any 0.x.x.x), broadcast, and netmasks (255.255.255.0), which fill code
 * and configs (`listen('0.0.0.0')`) and identify nobody; dotted numbers after a version
 * marker (`version: 1.2.3.4`, `Chrome/120.0.0.0`).
 */

function isNetmask(octets: readonly number[]): boolean {
  if (octets[0] !== 255) return false;
  const bits = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  // Contiguous ones, then zeros: inverting and adding one gives a power of two.
  const inv = ~bits >>> 0;
  return (inv & (inv + 1)) === 0;
}

function reportableV4(addr: string, privateIps: boolean): boolean {
  const octets = [0, 0, 0, 0];
  let k = 0;
  for (let i = 0; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === 46) k++;
    else octets[k] = octets[k]! * 10 + (c - 48);
  }
  const [a, b] = octets as [number, number];
  if (a === 0 || a === 127 || isNetmask(octets)) return false;
  if (!privateIps && (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254))) return false;
  return true;
}

/** An IPv4 address where a numeric run starts, if there is one to report; true when one was found. */
export function ipv4At(text: string, at: number, out: Span[], privateIps: boolean): boolean {
  const re = PATTERNS.ipv4;
  re.lastIndex = at;
  const m = re.exec(text);
  if (!m) return false;
  if (reportableV4(m[0], privateIps) && !versionBefore(text, at)) {
    out.push({ type: 'ip_address', start: at, end: at + m[0].length });
  }
  // An address that is not reported (loopback, a version) is no phone or card either.
  return true;
}

function isHexOrColon(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** The IPv6 candidate around an anchor: hex digits and colons, plus a dotted IPv4 tail (`::ffff:192.0.2.1`). */
function grow(text: string, from: number): { start: number; end: number } {
  let start = from;
  while (start > 0 && isHexOrColon(text.charCodeAt(start - 1))) start--;
  let end = from;
  while (end < text.length && (isHexOrColon(text.charCodeAt(end)) || text.charCodeAt(end) === 46)) end++;
  // A trailing '.' ends a sentence; a lone trailing ':' is punctuation (`at fe80::1: refused`).
  while (end > start && text.charCodeAt(end - 1) === 46) end--;
  if (text.charCodeAt(end - 1) === 58 && text.charCodeAt(end - 2) !== 58) end--;
  return { start, end };
}

function reportableV6(addr: string, privateIps: boolean): boolean {
  const groups = addr.split(':').filter((g) => g !== '');
  // `a[1::2]` (a slice) and `dead::beef` are valid addresses but not ones anybody writes:
  // an address has three groups, or a long one (`fe80::1`, `2001:db8::`), and a digit.
  if (groups.length < 3 && !groups.some((g) => g.length >= 3)) return false;
  if (!PATTERNS.digit.test(addr)) return false;
  const lower = addr.toLowerCase();
  if (lower === '::1' || lower.startsWith('::ffff:127.') || lower === '::ffff:0.0.0.0') return false;
  if (!privateIps && PATTERNS.privateV6.test(lower)) return false;
  return true;
}

export function findIPv6(text: string, out: Span[], privateIps: boolean): void {
  const re = PATTERNS.ipv6Anchor;
  re.lastIndex = 0;
  let done = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index < done) continue;
    const { start, end } = grow(text, m.index);
    done = end;
    re.lastIndex = Math.max(re.lastIndex, end);
    // Inside a longer token (`std::vector`, `a::before`, `10:30:00Z`): not an address.
    const prev = text.charCodeAt(start - 1);
    if (isWord(prev) || prev === 46 || isWord(text.charCodeAt(end))) continue;
    const addr = text.slice(start, end);
    if (isIP(addr) !== 6 || !reportableV6(addr, privateIps)) continue;
    out.push({ type: 'ip_address', start, end });
  }
}
