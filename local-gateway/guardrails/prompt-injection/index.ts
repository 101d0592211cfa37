import { z } from 'zod';
import type { GuardrailType } from '../../policy/engine/guardrails.js';
import { CATEGORIES, Detector, type Category } from './detect.js';
import { onlyInvisible } from './hidden.js';
import { LANGUAGES } from './phrases.js';
import { replaceSpans, spanScanner } from '../spans.js';

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

/** The `prompt_injection` guardrail type. */
export const PROMPT_INJECTION: GuardrailType<z.infer<typeof PromptInjectionConfig>> = {
  config: PromptInjectionConfig,
  create(config) {
    const detector = new Detector(config.languages);
    const wanted = new Set<Category>(config.categories);
    // The kind changes the score, so a text is remembered per kind it arrived as.
    const scan = spanScanner(
      (text, kind) =>
        detector
          .scan(text, kind, config.threshold)
          .filter((h) => wanted.has(h.type))
          .map(({ type, start, end }) => ({ type, start, end })),
      { byKind: true },
    );
    return {
      scan,
      // Invisible characters go entirely: a marker would only tell an attacker where they were.
      redact: (texts, findings) => replaceSpans(texts, findings, (_f, original) => (onlyInvisible(original) ? '' : REMOVED)),
    };
  },
};
