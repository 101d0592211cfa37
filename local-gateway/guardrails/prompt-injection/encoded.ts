import type { Run } from '../anchors.js';
import type { Spot } from './hidden.js';

/**
 * Encoded payloads: base64, hex, URL-encoded and rot13 text that decodes to an injection.
 * Candidates are bounded in size (a base64 image is not a payload, and decoding it would cost
 * more than the scan), decoded, and rescanned for injection phrases.
 */

const MAX_BLOB = 8192;
const ESCAPED_HEX = /(?:\\x[0-9a-fA-F]{2}){6,}/g;
const PERCENT = /%[0-9a-fA-F]{2}/g;
// rot13 of "ignore", "disregard", "instruction", "previous", "system prompt", "forget",
// "reveal", "password", "secret", "assistant", "execute": a line holding one is decoded and judged.
export const ROT13_ANCHORS = ['vtaber', 'qvfertneq', 'vafgehpgvba', 'cerivbhf', 'flfgrz cebzcg', 'sbetrg', 'erirny', 'cnffjbeq', 'frperg', 'nffvfgnag', 'rkrphgr'];
const TOKEN_END = /[\s"'<>`]/;

/** Decoded bytes that read as text: printable, with spaces between words. */
function readable(s: string, minSpaces = 2, minLength = 12): boolean {
  if (s.length < minLength || s.includes('\uFFFD')) return false;
  let ok = 0;
  let spaces = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) spaces++;
    if ((c >= 32 && c < 127) || c === 10 || c === 9 || c >= 160) ok++;
  }
  return spaces >= minSpaces && ok / s.length >= 0.95;
}

const rot13 = (s: string) => s.replace(/[a-z]/gi, (ch) => {
  const base = ch <= 'Z' ? 65 : 97;
  return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
});

/** A candidate blob: decoded, and when it reads as text, rescanned. */
function candidate(text: string, start: number, end: number, decode: (blob: string) => string, hit: (t: string) => boolean, out: Spot[]): void {
  const blob = text.slice(start, end);
  // Most candidates are identifiers or hashes: a decoded prefix that is not text rules them out cheaply.
  if (!readable(decode(blob.slice(0, 24)), 0, 4)) return;
  let decoded = decode(blob);
  // Layers: base64 of base64, hex of base64 — a few, each smaller than the last.
  for (let layer = 0; layer < 3 && !readable(decoded) && NESTED.test(decoded); layer++) decoded = /^[0-9a-fA-F\s]+$/.test(decoded) ? fromHex(decoded.replace(/\s+/g, '')) : fromBase64(decoded);
  if (readable(decoded) && hit(decoded)) out.push({ start, end, score: 0.8 });
}

// What one more layer of base64 or hex looks like once decoded.
const NESTED = /^\s*[A-Za-z0-9+/_-]{16,}={0,2}\s*$/;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function fromBase32(b: string): string {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of b.replace(/=+$/, '')) {
    const k = BASE32.indexOf(ch);
    if (k < 0) return '\uFFFD';
    value = (value << 5) | k;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// Ascii85 between its `<~ ~>` delimiters.
function fromAscii85(b: string): string {
  const body = b.replace(/^<~|~>$/g, '').replace(/\s+/g, '').replace(/z/g, '!!!!!');
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i += 5) {
    const group = body.slice(i, i + 5).padEnd(5, 'u');
    let value = 0;
    for (const ch of group) {
      const k = ch.charCodeAt(0) - 33;
      if (k < 0 || k > 84) return '\uFFFD';
      value = value * 85 + k;
    }
    const four = [(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
    bytes.push(...four.slice(0, Math.min(4, body.length - i - 1)));
  }
  return Buffer.from(bytes).toString('utf8');
}

const fromBase64 = (b: string) => Buffer.from(b, 'base64').toString('utf8');
const fromHex = (b: string) => Buffer.from(b.replace(/\\x/g, ''), 'hex').toString('utf8');

/** Runs of the base64 alphabet (found by the caller's anchor pass) that decode to text. */
function blobs(text: string, runs: readonly Run[], hit: (t: string) => boolean, out: Spot[]): void {
  for (const r of runs) {
    const len = r.end - r.start;
    if (len > MAX_BLOB) continue;
    let end = r.end;
    while (end < text.length && end - r.end < 2 && text.charCodeAt(end) === 61) end++;
    // Real base64 of text mixes cases; a long lowercase identifier or a hash does not.
    if (len >= 24 && r.mixedCase) candidate(text, r.start, end, fromBase64, hit, out);
    else if (r.hex && len % 2 === 0) candidate(text, r.start, r.end, fromHex, hit, out);
    // Base32 is upper-case letters and the digits 2–7; a constant's name is too, but does not decode to text.
    else if (len >= 24 && !r.mixedCase && BASE32.includes(text[r.start]!)) candidate(text, r.start, end, fromBase32, hit, out);
  }
}

const HEX2 = /^[0-9a-fA-F]{2}/;

/** Tokens around `%XX` escapes (the `%` positions come from the caller's pass), decoded and rescanned. */
function urlEncoded(text: string, percents: readonly number[], hit: (t: string) => boolean, out: Spot[]): void {
  let doneTo = -1;
  for (const at of percents) {
    if (at < doneTo || !HEX2.test(text.slice(at + 1, at + 3))) continue;
    let a = at;
    let b = at;
    while (a > 0 && at - a < MAX_BLOB && !TOKEN_END.test(text[a - 1]!)) a--;
    while (b < text.length && b - at < MAX_BLOB && !TOKEN_END.test(text[b]!)) b++;
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

/** Lines holding a rot13 anchor (found by the caller's anchor pass), decoded and rescanned. */
function rot13Lines(text: string, starts: readonly number[], hit: (t: string) => boolean, out: Spot[]): void {
  let doneTo = -1;
  for (const at of starts) {
    if (at < doneTo) continue;
    const a = Math.max(text.lastIndexOf('\n', at) + 1, at - 1000);
    const nl = text.indexOf('\n', at);
    const b = Math.min(nl < 0 ? text.length : nl, at + 1000);
    doneTo = b;
    if (hit(rot13(text.slice(a, b)))) out.push({ start: a, end: b, score: 0.75 });
  }
}

/** Every encoded payload of a text that decodes to an injection phrase. */
export function encodedSpots(
  text: string,
  hit: (t: string) => boolean,
  found: { runs: readonly Run[]; rot13: readonly number[]; percent: readonly number[] },
): Spot[] {
  const out: Spot[] = [];
  blobs(text, found.runs, hit, out);
  if (text.includes('\\x')) {
    ESCAPED_HEX.lastIndex = 0;
    for (let m = ESCAPED_HEX.exec(text); m; m = ESCAPED_HEX.exec(text)) {
      if (m[0].length <= MAX_BLOB) candidate(text, m.index, m.index + m[0].length, fromHex, hit, out);
    }
  }
  if (found.percent.length >= 3) urlEncoded(text, found.percent, hit, out);
  for (let at = text.indexOf('<~'); at >= 0; at = text.indexOf('<~', at + 2)) {
    const close = text.indexOf('~>', at + 2);
    if (close < 0 || close - at > MAX_BLOB) break;
    candidate(text, at, close + 2, fromAscii85, hit, out);
  }
  if (found.rot13.length > 0) rot13Lines(text, found.rot13, hit, out);
  return out;
}

export const ENCODED_PATTERNS: readonly RegExp[] = [ESCAPED_HEX, PERCENT, HEX2, TOKEN_END, NESTED];
