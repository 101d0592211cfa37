import type { TextKind } from '../../policy/engine/texts.js';
import { combine, exampleContext, fenceRanges, inRanges, phraseScore } from './context.js';
import { encodedSpots } from './encoded.js';
import { hiddenSpots, type Spot } from './hidden.js';
import { ANCHOR_SOURCE, PHRASES, type Language, type Phrase, type PhraseCategory } from './phrases.js';

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

// Around each anchor the full phrases are tried on this many characters either side: the
// longest phrase is well under it, so a phrase that holds an anchor is always inside.
const REACH = 220;

/** A detector for a set of languages; building one compiles its phrases once. */
export class Detector {
  private readonly phrases: Compiled[];
  private readonly anchor = new RegExp(ANCHOR_SOURCE, 'gi');

  constructor(languages?: readonly Language[]) {
    const langs = languages ? new Set(languages) : null;
    this.phrases = PHRASES.filter((p) => !langs || langs.has(p.lang)).map((phrase) => ({ phrase, re: new RegExp(phrase.source, 'gi') }));
  }

  /** Phrase matches of a text with their weight, found only near anchors. */
  private matches(text: string): { phrase: Phrase; start: number; end: number }[] {
    const out: { phrase: Phrase; start: number; end: number }[] = [];
    const windows: [number, number][] = [];
    this.anchor.lastIndex = 0;
    for (let m = this.anchor.exec(text); m; m = this.anchor.exec(text)) {
      const a = Math.max(0, m.index - REACH);
      const b = Math.min(text.length, m.index + REACH);
      const last = windows.at(-1);
      if (last && a <= last[1]) last[1] = b;
      else windows.push([a, b]);
    }
    for (const [a, b] of windows) {
      const part = text.slice(a, b);
      for (const { phrase, re } of this.phrases) {
        re.lastIndex = 0;
        for (let m = re.exec(part); m; m = re.exec(part)) out.push({ phrase, start: a + m.index, end: a + m.index + m[0].length });
      }
    }
    return out;
  }

  /** Whether a decoded or hidden text holds an injection phrase strong on its own. */
  readonly phraseHit = (text: string): boolean => {
    const best = new Map<PhraseCategory, number[]>();
    for (const m of this.matches(text)) {
      const list = best.get(m.phrase.category) ?? [];
      list.push(m.phrase.weight);
      best.set(m.phrase.category, list);
    }
    return [...best.values()].some((ws) => combine(ws) >= 0.5);
  };

  /** Every span worth reporting, with its score; the caller applies the threshold and categories. */
  scan(text: string, kind: TextKind | undefined, threshold: number): Hit[] {
    const fences = fenceRanges(text);
    const byCategory = new Map<PhraseCategory, Hit[]>();
    for (const m of this.matches(text)) {
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
    for (const s of hiddenSpots(text, this.phraseHit)) {
      const h = adjust(s, 'hidden_instructions', !s.invisible);
      if (h.score >= threshold) hits.push(h);
    }
    for (const s of encodedSpots(text, this.phraseHit)) {
      const h = adjust(s, 'encoded_payload', true);
      if (h.score >= threshold) hits.push(h);
    }
    return hits.sort((x, y) => x.start - y.start);
  }
}
