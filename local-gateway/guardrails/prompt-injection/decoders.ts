import type { Spot } from './hidden.js';

/**
 * Payloads written so neither a phrase nor an n-gram reads them, beyond base64, hex, URL
 * encoding and rot13 (encoded.ts): reversed text, letters split by spaces or dots
 * ("i g n o r e"), leetspeak ("1gn0r3"), hex bytes with separators ("69 67 6e", "0x69,0x67"),
 * binary octets, Morse code, decimal character codes, the NATO alphabet, HTML entities and
 * `\u00XX` escapes. Each form has anchors — a few common words in that form — found by the
 * detector's one automaton pass; the line around an anchor is decoded and judged like any
 * decoded payload. The anchors are what keeps this free on text that has none.
 */

const REVERSED = ['ignore', 'instructions', 'previous', 'system prompt', 'disregard', 'forget', 'reveal', 'password', 'secret', 'you are', 'the user', 'assistant'];
const SPLIT_WORDS = ['ignor', 'previ', 'instr', 'syste', 'promp', 'revea', 'disre', 'passw', 'secre', 'forge', 'your '];
const SEPARATORS = [' ', '-', '.', '_', '*', '|', '/'];
const LEET = ['1gn0r', 'ign0r', '1gnor', '!gn0r', 'pr3v1', 'pr3vi', 'prev10', '1nstr', 'instruct10', '5y5t', 'sy5t', 'syst3m', '5yst3m', 'pr0mp', 'r3v3', 'p455', 'p4ss', 'passw0', 'd15r', 'disr3', 'f0rg3', 'f0rget', 'forg3t', '53cr', 's3cr3', '@ss1st', '4ss1st', 'y0ur', 'ru135', 'rul3s'];
const HEX_WORDS = ['the ', 'you', 'ign', 'ins', 'sys', 'pro', 'rev', 'all'];
const HEX_SEPARATORS = [' ', ':', ',', '-', ', ', ' 0x', ',0x', ', 0x'];
const MORSE: Record<string, string> = {
  '.-': 'a', '-...': 'b', '-.-.': 'c', '-..': 'd', '.': 'e', '..-.': 'f', '--.': 'g', '....': 'h', '..': 'i', '.---': 'j', '-.-': 'k', '.-..': 'l', '--': 'm',
  '-.': 'n', '---': 'o', '.--.': 'p', '--.-': 'q', '.-.': 'r', '...': 's', '-': 't', '..-': 'u', '...-': 'v', '.--': 'w', '-..-': 'x', '-.--': 'y', '--..': 'z',
  '-----': '0', '.----': '1', '..---': '2', '...--': '3', '....-': '4', '.....': '5', '-....': '6', '--...': '7', '---..': '8', '----.': '9',
};
const NATO = ['alfa', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'xray', 'yankee', 'zulu'];

const hexOf = (s: string) => [...s].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0'));
const morseOf = (s: string) => [...s].map((c) => Object.keys(MORSE).find((k) => MORSE[k] === c)!).join(' ');

const reverse = (s: string) => [...s].reverse().join('');

const REACH = 2000;
const BREAK = '\u2029';
const WORD_GAP = / {2,}| \/ | \| /g;
const ALNUM = /[\p{L}\p{N}]/u;
const LEET_CHARS = /[4@31!05$789|]/g;
const HEX_TOKEN = /(?:0x)?[0-9a-f]{2}(?![0-9a-f])/gi;
const OCTET = /\b[01]{8}\b/g;
const DECIMAL = /\b\d{2,3}\b/g;
// Morse words are split by a slash, a bar or three spaces; letters by spaces.
const MORSE_GAP = /[/|]| {3,}/;
const SPACES = /\s+/;
const NOT_LETTERS = /[^a-z]+/;
const ENTITY = /&#(x[0-9a-f]{1,6}|\d{1,7});/gi;
const ESCAPE = /\\u([0-9a-f]{4})/gi;

/** Letters split by one separator each become words again; a longer gap (two spaces, " / ") is a word break. */
function unsplit(s: string): string {
  const t = s.replace(WORD_GAP, BREAK);
  const alnum = (c: string | undefined) => c !== undefined && ALNUM.test(c);
  let out = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    // A separator between two lone characters goes: "i.g.n.o.r.e" → "ignore".
    if (SEPARATORS.includes(c) && alnum(t[i - 1]) && alnum(t[i + 1]) && !alnum(t[i - 2]) && !alnum(t[i + 2])) continue;
    out += c;
  }
  return out.replaceAll(BREAK, ' ');
}

const LEET_MAP: Record<string, string> = { '4': 'a', '@': 'a', '3': 'e', '1': 'i', '!': 'i', '0': 'o', '5': 's', $: 's', '7': 't', '8': 'b', '9': 'g', '|': 'l' };
const unleet = (s: string) => s.replace(LEET_CHARS, (c) => LEET_MAP[c]!);

function bytesToText(codes: number[]): string {
  return Buffer.from(codes.filter((c) => c >= 0 && c < 256)).toString('utf8');
}
const fromHexTokens = (s: string) => bytesToText((s.match(HEX_TOKEN) ?? []).map((t) => parseInt(t.replace(/^0x/i, ''), 16)));
const fromBinary = (s: string) => bytesToText((s.match(OCTET) ?? []).map((t) => parseInt(t, 2)));
const fromDecimal = (s: string) => String.fromCharCode(...(s.match(DECIMAL) ?? []).map(Number).filter((c) => c === 10 || (c >= 32 && c < 127)));
const fromMorse = (s: string) =>
  s
    .split(MORSE_GAP)
    .map((word) => word.trim().split(SPACES).map((l) => MORSE[l] ?? '').join(''))
    .join(' ');
const fromNato = (s: string) =>
  s
    .toLowerCase()
    .split(NOT_LETTERS)
    .map((w) => (w === 'alpha' ? 'a' : w === 'juliet' ? 'j' : w === 'x' ? 'x' : NATO.includes(w) ? w[0]! : w === 'space' || w === 'stop' ? ' ' : ''))
    .join('');
const fromEntities = (s: string) => s.replace(ENTITY, (_m, n: string) => String.fromCodePoint(Math.min(0x10ffff, n[0] === 'x' || n[0] === 'X' ? parseInt(n.slice(1), 16) : Number(n))));
const fromEscapes = (s: string) => s.replace(ESCAPE, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

interface Form {
  anchors: string[];
  decode: (line: string) => string;
}

// Every form with its anchors; the automaton is case-insensitive, so one spelling of each will do.
const FORMS: Form[] = [
  { anchors: REVERSED.map(reverse), decode: reverse },
  { anchors: SPLIT_WORDS.flatMap((w) => SEPARATORS.map((sep) => [...w.trim()].join(sep))), decode: unsplit },
  { anchors: LEET, decode: unleet },
  { anchors: HEX_WORDS.flatMap((w) => HEX_SEPARATORS.map((sep) => (sep.endsWith('0x') ? '0x' : '') + hexOf(w).join(sep))), decode: fromHexTokens },
  { anchors: ['01110100 01101000', '00100000 01110100', '01101001 01100111', '01111001 01101111', '01101001 01101110', '01110011 01111001'], decode: fromBinary },
  { anchors: ['the', 'you', 'ignore', 'and', 'all', 'ins', 'sys'].map(morseOf), decode: fromMorse },
  { anchors: ['116,104,101', '116 104 101', '116, 104, 101', '105,103,110', '105 103 110', '105, 103, 110', '121,111,117', '121 111 117', '121, 111, 117'], decode: fromDecimal },
  { anchors: ['tango hotel echo', 'india golf november', 'yankee oscar uniform', 'india november sierra', 'sierra yankee sierra', 'papa romeo oscar'], decode: fromNato },
  { anchors: ['&#1', '&#x6', '&#x7'], decode: fromEntities },
  { anchors: ['\\u006', '\\u007'], decode: fromEscapes },
];

/** The anchors of every form, in the order `decodedSpots` expects their indices. */
export const DECODE_ANCHORS: readonly string[] = FORMS.flatMap((f) => f.anchors);
const FORM_OF: readonly Form[] = FORMS.flatMap((f) => f.anchors.map(() => f));

/** Decoded text that reads as words: letters, spaces between them, little else. */
function words(s: string): boolean {
  if (s.length < 12) return false;
  let letters = 0;
  let spaces = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) spaces++;
    else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c >= 0xc0) letters++;
  }
  return spaces >= 2 && letters / s.length >= 0.6;
}

/**
 * Spots where a line holding an anchor of some form decodes to an injection; `hits` are
 * (anchor index into DECODE_ANCHORS, position) pairs from the automaton pass.
 */
export function decodedSpots(text: string, hits: readonly { anchor: number; start: number }[], hit: (t: string) => boolean): Spot[] {
  const out: Spot[] = [];
  // Per form, where its last decoded stretch ended: a line is decoded once per form, however many anchors it holds.
  const doneTo = new Map<Form, number>();
  for (const h of hits) {
    const form = FORM_OF[h.anchor]!;
    if (h.start < (doneTo.get(form) ?? -1)) continue;
    // The line around the anchor, at most REACH characters either side (minified text has no lines).
    const from = Math.max(0, h.start - REACH);
    const a = from + text.slice(from, h.start).lastIndexOf('\n') + 1;
    const nl = text.slice(h.start, h.start + REACH).indexOf('\n');
    const b = nl < 0 ? Math.min(text.length, h.start + REACH) : h.start + nl;
    doneTo.set(form, b);
    const line = text.slice(a, b);
    let decoded: string;
    try {
      decoded = form.decode(line);
    } catch {
      continue;
    }
    // A line that is already an injection as written is the scan's to judge, at its own bar.
    if (decoded !== line && words(decoded) && hit(decoded) && !hit(line)) out.push({ start: a, end: b, score: 0.75 });
  }
  return out;
}

export const DECODER_PATTERNS: readonly RegExp[] = [WORD_GAP, ALNUM, LEET_CHARS, HEX_TOKEN, OCTET, DECIMAL, MORSE_GAP, SPACES, NOT_LETTERS, ENTITY, ESCAPE];
