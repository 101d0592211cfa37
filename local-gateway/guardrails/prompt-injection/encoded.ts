import type { Spot } from './hidden.js';

/**
 * Encoded payloads: base64, hex, URL-encoded and rot13 text that decodes to an injection.
 * Candidates are bounded in size (a base64 image is not a payload, and decoding it would cost
 * more than the scan), decoded, and rescanned for injection phrases.
 */

const MAX_BLOB = 8192;
const BASE64 = /[A-Za-z0-9+/_-]{20,}={0,2}/g;
const HEX = /(?:[0-9a-fA-F]{2}){10,}|(?:\\x[0-9a-fA-F]{2}){6,}/g;
const PERCENT = /%[0-9a-fA-F]{2}/g;
const LOWER = /[a-z]/;
const UPPER = /[A-Z]/;
// rot13 of "ignore", "disregard", "instruction", "previous", "system prompt", "forget".
const ROT13_ANCHORS = ['vtaber', 'qvfertneq', 'vafgehpgvba', 'cerivbhf', 'flfgrz cebzcg', 'sbetrg'];
const TOKEN_END = /[\s"'<>`]/;

/** Decoded bytes that read as text: printable, with spaces between words. */
function readable(s: string): boolean {
  if (s.length < 12 || s.includes('\uFFFD')) return false;
  let ok = 0;
  let spaces = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) spaces++;
    if ((c >= 32 && c < 127) || c === 10 || c === 9 || c >= 160) ok++;
  }
  return spaces >= 2 && ok / s.length >= 0.95;
}

const rot13 = (s: string) => s.replace(/[a-z]/gi, (ch) => {
  const base = ch <= 'Z' ? 65 : 97;
  return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
});

function blobs(text: string, re: RegExp, decode: (blob: string) => string, hit: (t: string) => boolean, out: Spot[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const blob = m[0];
    if (blob.length > MAX_BLOB) continue;
    // Real base64 of text mixes cases; a long lowercase identifier or hash does not.
    if (re === BASE64 && !(LOWER.test(blob) && UPPER.test(blob))) continue;
    const decoded = decode(blob);
    if (readable(decoded) && hit(decoded)) out.push({ start: m.index, end: m.index + blob.length, score: 0.8 });
  }
}

function urlEncoded(text: string, hit: (t: string) => boolean, out: Spot[]): void {
  let doneTo = -1;
  PERCENT.lastIndex = 0;
  for (let m = PERCENT.exec(text); m; m = PERCENT.exec(text)) {
    if (m.index < doneTo) continue;
    let a = m.index;
    let b = m.index;
    while (a > 0 && m.index - a < MAX_BLOB && !TOKEN_END.test(text[a - 1]!)) a--;
    while (b < text.length && b - m.index < MAX_BLOB && !TOKEN_END.test(text[b]!)) b++;
    doneTo = b;
    const token = text.slice(a, b);
    if ((token.match(PERCENT) ?? []).length < 3) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(token.replace(/\+/g, ' '));
    } catch {
      continue;
    }
    if (readable(decoded) && hit(decoded)) out.push({ start: a, end: b, score: 0.8 });
  }
}

function rot13Lines(text: string, hit: (t: string) => boolean, out: Spot[]): void {
  const lower = text.toLowerCase();
  const seen = new Set<number>();
  for (const anchor of ROT13_ANCHORS) {
    for (let at = lower.indexOf(anchor); at >= 0; at = lower.indexOf(anchor, at + anchor.length)) {
      const a = Math.max(text.lastIndexOf('\n', at) + 1, at - 1000);
      if (seen.has(a)) continue;
      seen.add(a);
      const nl = text.indexOf('\n', at);
      const b = Math.min(nl < 0 ? text.length : nl, at + 1000);
      if (hit(rot13(text.slice(a, b)))) out.push({ start: a, end: b, score: 0.75 });
    }
  }
}

/** Every encoded payload of a text that decodes to an injection phrase. */
export function encodedSpots(text: string, hit: (t: string) => boolean): Spot[] {
  const out: Spot[] = [];
  blobs(text, BASE64, (b) => Buffer.from(b, 'base64').toString('utf8'), hit, out);
  blobs(text, HEX, (b) => Buffer.from(b.replace(/\\x/g, ''), 'hex').toString('utf8'), hit, out);
  if (text.includes('%')) urlEncoded(text, hit, out);
  rot13Lines(text, hit, out);
  return out;
}

export const ENCODED_PATTERNS: readonly RegExp[] = [BASE64, HEX, PERCENT, LOWER, UPPER, TOKEN_END];
