import type { TextKind } from '../../contracts/texts.js';
import { combine, exampleContext, fenceRanges, inRanges, phraseScore } from './context.js';
import { ADDRESS_ANCHORS, addressedSpots } from './addressed.js';
import { DECODE_ANCHORS, decodedSpots } from './decoders.js';
import { encodedSpots } from './encoded.js';
import { hiddenSpots, type Spot } from './hidden.js';
import { AnchorAutomaton, type Run } from '../anchors.js';
import { ROT13_ANCHORS } from './encoded.js';
import { ANCHORS, anchorsOf, PHRASES, WORD_ANCHORS, type Language, type Phrase, type PhraseCategory } from './phrases.js';

export const CATEGORIES = ['instruction_override', 'roleplay_jailbreak', 'system_prompt_extraction', 'hidden_instructions', 'encoded_payload'] as const;
export type Category = (typeof CATEGORIES)[number];

/** A span the detector would report, with its score in context. */
export interface Hit {
  type: Category;
  start: number;
  end: number;
  score: number;
}

interface Compiled {
  phrase: Phrase;
  re: RegExp;
}

// Around each anchor the phrases that contain it are tried on this many characters either
// side: the longest phrase is well under it, so a phrase holding the anchor is inside.
const REACH = 160;
const WORD = /[\p{L}\p{N}_]/u;

interface Match {
  phrase: Phrase;
  start: number;
  end: number;
}

/** A detector for a set of languages; building one compiles its phrases once. */
export class Detector {
  private readonly phrases: Compiled[];
  private readonly automaton: AnchorAutomaton;
  // Per anchor, the phrases to try near it; phrases without a literal anchor go with every one.
  private readonly byAnchor: Compiled[][];
  private readonly rot13From: number;
  private readonly addressFrom: number;
  private readonly decodeFrom: number;

  /**
   * `decodedHit`, when given, also judges what an encoded payload decodes to (the gateway
   * passes its learned classifier, so a payload with no known phrase is still read).
   */
  constructor(languages?: readonly Language[], private readonly decodedHit?: (text: string) => boolean) {
    const langs = languages ? new Set(languages) : null;
    this.phrases = PHRASES.filter((p) => !langs || langs.has(p.lang)).map((phrase) => ({ phrase, re: new RegExp(phrase.source, 'gi') }));
    this.automaton = new AnchorAutomaton([...ANCHORS, ...ROT13_ANCHORS, ...ADDRESS_ANCHORS, ...DECODE_ANCHORS]);
    this.rot13From = ANCHORS.length;
    this.addressFrom = ANCHORS.length + ROT13_ANCHORS.length;
    this.decodeFrom = this.addressFrom + ADDRESS_ANCHORS.length;
    const sets = ANCHORS.map(() => [] as Compiled[]);
    const everywhere: Compiled[] = [];
    for (const c of this.phrases) {
      const own = anchorsOf(c.phrase, ANCHORS);
      if (own.length === 0) everywhere.push(c);
      for (const i of own) sets[i]!.push(c);
    }
    this.byAnchor = sets.map((set) => [...set, ...everywhere]);
  }

  /** Anchor hits of a text: phrase anchors (whole words where they must be) and rot13 anchors apart. */
  private anchors(text: string): { phrase: { anchor: number; start: number }[]; rot13: number[]; address: number[]; decode: { anchor: number; start: number }[]; runs: Run[]; invisible: number[]; percent: number[] } {
    const phrase: { anchor: number; start: number }[] = [];
    const decode: { anchor: number; start: number }[] = [];
    const rot13: number[] = [];
    const address: number[] = [];
    const runs: Run[] = [];
    const found = this.automaton.find(text, runs);
    const { invisible, percent } = this.automaton;
    for (const h of found) {
      if (h.anchor >= this.decodeFrom) decode.push({ anchor: h.anchor - this.decodeFrom, start: h.start });
      else if (h.anchor >= this.addressFrom) address.push(h.start);
      else if (h.anchor >= this.rot13From) rot13.push(h.start);
      else if (!WORD_ANCHORS.has(ANCHORS[h.anchor]!) || !(WORD.test(text[h.start - 1] ?? '') || WORD.test(text[h.start + ANCHORS[h.anchor]!.length] ?? ''))) phrase.push(h);
    }
    return { phrase, rot13, address, decode, runs, invisible, percent };
  }

  /** Phrase matches near the anchors found. */
  private matches(text: string, hits: readonly { anchor: number; start: number }[]): Match[] {
    // Windows around anchors, merged where they overlap, each with the phrases its anchors call for.
    const windows: { a: number; b: number; phrases: Set<Compiled> }[] = [];
    for (const h of hits) {
      const a = Math.max(0, h.start - REACH);
      const b = Math.min(text.length, h.start + REACH);
      const last = windows.at(-1);
      if (last && a <= last.b) {
        last.b = Math.max(last.b, b);
        for (const c of this.byAnchor[h.anchor]!) last.phrases.add(c);
      } else windows.push({ a, b, phrases: new Set(this.byAnchor[h.anchor]) });
    }
    const out: Match[] = [];
    for (const w of windows) {
      const part = text.slice(w.a, w.b);
      for (const { phrase, re } of w.phrases) {
        re.lastIndex = 0;
        for (let m = re.exec(part); m; m = re.exec(part)) out.push({ phrase, start: w.a + m.index, end: w.a + m.index + m[0].length });
      }
    }
    return out;
  }

  /** Whether a decoded or hidden text holds an injection phrase strong on its own. */
  readonly phraseHit = (text: string): boolean => {
    const best = new Map<PhraseCategory, number[]>();
    for (const m of this.matches(text, this.anchors(text).phrase)) {
      const list = best.get(m.phrase.category) ?? [];
      list.push(m.phrase.weight);
      best.set(m.phrase.category, list);
    }
    return [...best.values()].some((ws) => combine(ws) >= 0.5);
  };

  /** Whether decoded text is an injection: a strong phrase, or a covert request addressed to the model. */
  private readonly payloadHit = (text: string): boolean =>
    this.phraseHit(text) || addressedSpots(text, this.anchors(text).address, this.phraseHit).some((s) => s.score >= 0.5) || this.decodedHit?.(text) === true;

  /** Every span worth reporting, with its score; the caller applies the threshold and categories. */
  scan(text: string, kind: TextKind | undefined, threshold: number): Hit[] {
    const fences = fenceRanges(text);
    const anchors = this.anchors(text);
    const byCategory = new Map<PhraseCategory, Hit[]>();
    for (const m of this.matches(text, anchors.phrase)) {
      const score = phraseScore({ text, start: m.start, end: m.end, weight: m.phrase.weight, kind, fences });
      const list = byCategory.get(m.phrase.category) ?? [];
      list.push({ type: m.phrase.category, start: m.start, end: m.end, score });
      byCategory.set(m.phrase.category, list);
    }
    const hits: Hit[] = [];
    for (const list of byCategory.values()) {
      // A category fires as a whole (weak signals add up); its spans are the phrases that carried it.
      if (combine(list.map((h) => h.score)) >= threshold) hits.push(...list.filter((h) => h.score > 0.1));
    }
    // Hidden and encoded content is an attack wherever it sits, except where a developer shows one as an example.
    const adjust = (s: Spot, type: Category, exampleAware: boolean): Hit => {
      let score = s.score + (kind === 'tool' ? 0.2 : 0);
      if (exampleAware && (inRanges(fences, s.start) || exampleContext(text, s.start, s.end))) score -= 0.3;
      return { type, start: s.start, end: s.end, score };
    };
    const hidden: Spot[] = [];
    for (const s of hiddenSpots(text, this.phraseHit, anchors.invisible)) {
      const h = adjust(s, 'hidden_instructions', !s.invisible);
      if (h.score < threshold) continue;
      hits.push(h);
      hidden.push(s);
    }
    // An operator's system prompt may well address the model and say "never tell the user".
    for (const s of addressedSpots(text, anchors.address, this.phraseHit)) {
      // Inside a hidden comment or element already reported, the address adds nothing.
      if (hidden.some((o) => s.start < o.end && o.start < s.end)) continue;
      const h = adjust({ ...s, score: s.score - (kind === 'system' ? 0.3 : 0) }, 'hidden_instructions', true);
      if (h.score >= threshold) hits.push(h);
    }
    for (const s of [...encodedSpots(text, this.payloadHit, anchors), ...decodedSpots(text, anchors.decode, this.payloadHit)]) {
      const h = adjust(s, 'encoded_payload', true);
      if (h.score >= threshold) hits.push(h);
    }
    return hits.sort((x, y) => x.start - y.start);
  }
}
