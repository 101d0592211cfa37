/**
 * Instructions a human reader does not see but a model does: HTML comments and hidden
 * elements that talk to the AI, and invisible characters (zero-width runs, Unicode tag
 * characters, bidi overrides) that smuggle text past a reviewer.
 */

export interface Spot {
  start: number;
  end: number;
  score: number;
  /** Made of invisible characters only (no markup around them). */
  invisible?: boolean;
}

const AI_ADDRESS =
  /\b(?:ai|a\.i\.|assistants?|llms?|language\s+models?|ai\s+(?:models?|agents?)|coding\s+agents?|chatbots?|claude|chatgpt|gpt(?:-\d\w{0,6})?|copilot|gemini|codex)\b|\bif\s+you\s+are\s+an?\s+(?:ai|llm|model|agent|assistant)|\b(?:note|instructions?|message)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|models?|agents?|assistants?|llms?|bots?)\b/i;
const IMPERATIVE =
  /\b(?:ignore|disregard|forget|do\s+not|don't|never|always|must|instead|make\s+sure|be\s+sure|tell|say|respond|reply|answer|output|print|include|insert|send|email|post|upload|run|execute|call|fetch|visit|open|navigate|delete|remove|recommend|mention|exfiltrate|append|add|write|summari[sz]e|use|praise|rate)\b/i;
// "You must … secretly …": an obligation, then within the sentence an act hidden from the user.
const OBLIGED = /\byou\s+(?:must|should|will|are\s+to)\b/gi;
const COVERT = /\b(?:ignore|disregard|instead|secretly|silently|without\s+telling|do\s+not\s+(?:tell|mention|reveal))\b/i;
// An opening tag (its attributes bounded), then a test of its attributes: two simple passes, each provably linear.
const OPEN_TAG = /<([a-z][a-z0-9-]{0,15})(\s[^<>]*)?>/gi;
const HIDDEN_ATTRS =
  /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]{0,4}[1-9])|opacity\s*:\s*0(?![.\d]{0,4}[1-9])|[^-]color\s*:\s*(?:#fff\b|#ffffff\b|white\b|transparent\b)|\shidden(?=[\s=/]|$)|aria-hidden\s*=\s*["']?true/i;
const INVISIBLE_CHAR = /[\u200B-\u200D\u2060\uFEFF\u202A-\u202E\u2066-\u2069\uDB40]/g;
const RTL_LETTERS = /[\u0590-\u08FF]/;
const FLAG = /^(?:\uDB40[\uDC61-\uDC7A]){2,6}\uDB40\uDC7F$/;

function covert(body: string): boolean {
  OBLIGED.lastIndex = 0;
  for (let m = OBLIGED.exec(body); m; m = OBLIGED.exec(body)) {
    const rest = body.slice(m.index + m[0].length, m.index + m[0].length + 80);
    if (COVERT.test(rest.split(/[.\n]/, 1)[0]!)) return true;
  }
  return false;
}

/** Whether a hidden text talks to the model: says so, or holds an injection phrase. */
function instructive(body: string, phraseHit: (t: string) => boolean): number {
  if (phraseHit(body)) return 0.75;
  if (AI_ADDRESS.test(body) && IMPERATIVE.test(body)) return 0.6;
  return covert(body) ? 0.55 : 0;
}

/** HTML comments whose text instructs the model. */
function comments(text: string, phraseHit: (t: string) => boolean, out: Spot[]): void {
  for (let at = text.indexOf('<!--'); at >= 0; at = text.indexOf('<!--', at + 4)) {
    const close = text.indexOf('-->', at + 4);
    const end = close < 0 ? Math.min(text.length, at + 4000) : close + 3;
    // Long comments (licence headers, commented-out markup) are read in part: an instruction hides near the top.
    const score = instructive(text.slice(at + 4, Math.min(end, at + 4000)), phraseHit);
    if (score > 0) out.push({ start: at, end, score });
    if (close < 0) break;
  }
}

/** Elements styled or marked to be invisible whose text instructs the model. */
function hiddenElements(text: string, phraseHit: (t: string) => boolean, out: Spot[]): void {
  OPEN_TAG.lastIndex = 0;
  for (let m = OPEN_TAG.exec(text); m; m = OPEN_TAG.exec(text)) {
    if (m[2] === undefined || !HIDDEN_ATTRS.test(m[2])) continue;
    const bodyStart = m.index + m[0].length;
    const close = text.indexOf(`</${m[1]!}`, bodyStart);
    const bodyEnd = close < 0 || close - bodyStart > 5000 ? Math.min(text.length, bodyStart + 2000) : close;
    const score = instructive(text.slice(bodyStart, bodyEnd), phraseHit);
    if (score === 0) continue;
    const end = close === bodyEnd ? text.indexOf('>', close) + 1 || bodyEnd : bodyEnd;
    out.push({ start: m.index, end, score });
    OPEN_TAG.lastIndex = end;
  }
}

const isBidi = (c: number) => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
const isZeroWidth = (c: number) => (c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff;
const isTag = (text: string, i: number) => text.charCodeAt(i) === 0xdb40 && (text.charCodeAt(i + 1) & 0xff80) === 0xdc00;

/**
 * Runs of invisible characters, from their positions (found by the caller's pass, or by a
 * regex when there is none); a lone zero-width space is typography, a run or a scattering of
 * them is a channel.
 */
function invisible(text: string, positions: readonly number[], out: Spot[]): void {
  let rtl: boolean | null = null;
  const lone: number[] = [];
  for (let k = 0; k < positions.length; ) {
    const start = positions[k]!;
    const c = text.charCodeAt(start);
    let end = start;
    if (c === 0xdb40) {
      while (isTag(text, end)) end += 2;
      if (end === start) {
        k++;
        continue;
      }
      const run = text.slice(start, end);
      // A subdivision flag (🏴 + tag letters + cancel tag) is the one everyday use of tag characters.
      if (!(text.slice(start - 2, start) === '\uD83C\uDFF4' && FLAG.test(run))) out.push({ start, end, score: 0.75, invisible: true });
    } else if (isBidi(c)) {
      while (end < text.length && isBidi(text.charCodeAt(end))) end++;
      rtl ??= RTL_LETTERS.test(text);
      out.push({ start, end, score: rtl ? 0.25 : 0.55, invisible: true });
    } else {
      while (end < text.length && isZeroWidth(text.charCodeAt(end))) end++;
      if (end - start >= 2) out.push({ start, end, score: 0.55, invisible: true });
      else if (start > 0 && c !== 0x200c && c !== 0x200d) lone.push(start);
    }
    while (k < positions.length && positions[k]! < end) k++;
    if (positions[k] === start) k++;
  }
  if (lone.length >= 4) for (const at of lone) out.push({ start: at, end: at + 1, score: 0.55, invisible: true });
}

/** Every hidden-instruction spot of a text, scored before context; `invisibleAt` gives where invisible characters are, when already known. */
export function hiddenSpots(text: string, phraseHit: (t: string) => boolean, invisibleAt?: readonly number[]): Spot[] {
  const out: Spot[] = [];
  if (text.includes('<!--')) comments(text, phraseHit, out);
  if (text.includes('<')) hiddenElements(text, phraseHit, out);
  const positions = invisibleAt ?? [...text.matchAll(INVISIBLE_CHAR)].map((m) => m.index);
  if (positions.length > 0) invisible(text, positions, out);
  return out;
}

/** Whether a span is only invisible characters, which a redaction removes rather than marks. */
export const onlyInvisible = (s: string) => s.length > 0 && /^(?:[\u200B-\u200D\u2060\uFEFF\u202A-\u202E\u2066-\u2069]|\uDB40[\uDC00-\uDC7F])+$/.test(s);

export const HIDDEN_PATTERNS: readonly RegExp[] = [AI_ADDRESS, IMPERATIVE, OBLIGED, COVERT, OPEN_TAG, HIDDEN_ATTRS, INVISIBLE_CHAR, RTL_LETTERS, FLAG];
