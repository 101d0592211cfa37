import { z } from 'zod';
import { registerGuardrailType, type GuardrailFinding } from '../../policy/engine/guardrails.js';
import { IdMemo, textIds } from '../../policy/engine/memo.js';
import { textKinds, type TextKind } from '../../policy/engine/texts.js';
import { CATEGORIES, Detector, type Category } from './detect.js';
import { onlyInvisible } from './hidden.js';
import { LANGUAGES } from './phrases.js';

/**
 * `prompt_injection`: a scored detector for instruction overrides, role-play jailbreaks,
 * system-prompt extraction, hidden instructions and encoded payloads. Each candidate phrase
 * gets a score from its weight and context (code and quotes lower it, tool output raises it);
 * a finding is reported when its category's score reaches `threshold`.
 */
export const PromptInjectionConfig = z.strictObject({
  /** 0.5 keeps the false-positive rate on developer prompts under 5% on the evaluation set. */
  threshold: z.number().min(0).max(1).default(0.5),
  categories: z.array(z.enum(CATEGORIES)).min(1, 'list at least one category').default([...CATEGORIES]),
  /** Languages whose phrases are looked for (hidden and encoded content is found in any). */
  languages: z.array(z.enum(LANGUAGES)).min(1, 'list at least one language').optional(),
});

export const REMOVED = '[removed:prompt_injection]';

type Span = { type: Category; start: number; end: number };

registerGuardrailType('prompt_injection', {
  config: PromptInjectionConfig,
  create(config) {
    const detector = new Detector(config.languages);
    const wanted = new Set<Category>(config.categories);
    // The kind changes the score, so a text is remembered per kind it arrived as.
    const memos = new Map<TextKind | undefined, IdMemo<Span[]>>();
    const spansOf = (text: string, id: number | null, kind: TextKind | undefined): Span[] => {
      let memo = memos.get(kind);
      if (!memo) memos.set(kind, (memo = new IdMemo<Span[]>()));
      const known = id === null ? undefined : memo.get(id);
      if (known) return known;
      const spans = detector
        .scan(text, kind, config.threshold)
        .filter((h) => wanted.has(h.type))
        .map(({ type, start, end }) => ({ type, start, end }));
      if (id !== null) memo.set(id, spans);
      return spans;
    };
    return {
      scan(texts) {
        const ids = textIds(texts);
        const kinds = textKinds(texts);
        const found: GuardrailFinding[] = [];
        texts.forEach((text, i) => {
          for (const s of spansOf(text, ids[i]!, kinds?.[i])) found.push({ type: s.type, text: i, start: s.start, end: s.end });
        });
        return found;
      },
      redact(texts, findings) {
        return texts.map((text, i) => {
          const spans = findings.filter((f) => f.text === i).sort((a, b) => b.start - a.start || b.end - a.end);
          let out = text;
          let floor = Infinity;
          for (const f of spans) {
            if (f.end > floor) continue;
            // Invisible characters go entirely: a marker would only tell an attacker where they were.
            const replacement = onlyInvisible(text.slice(f.start, f.end)) ? '' : REMOVED;
            out = `${out.slice(0, f.start)}${replacement}${out.slice(f.end)}`;
            floor = f.start;
          }
          return out;
        });
      },
    };
  },
});
