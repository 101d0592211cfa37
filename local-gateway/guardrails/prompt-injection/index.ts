import { z } from 'zod';
import type { GuardrailType } from '../../policy/engine/guardrails.js';
import { CATEGORIES, Detector } from './detect.js';
import { onlyInvisible } from './hidden.js';
import { LearnedScorer } from './learned.js';
import { LANGUAGES } from './phrases.js';
import { MODEL } from './weights.js';
import { replaceSpans, spanScanner, type Span } from '../spans.js';

/** The finding type of the learned classifier. */
export const LEARNED = 'learned_injection';
const logit = (p: number) => Math.log(p / (1 - p));

/**
 * `prompt_injection`: two detectors side by side. A phrase scorer for instruction overrides,
 * role-play jailbreaks, system-prompt extraction, hidden instructions and encoded payloads
 * (each candidate phrase gets a score from its weight and context; a finding when its
 * category's score reaches `threshold`), and a learned classifier (learned.ts) that reads
 * every window of a text and reports `learned_injection` where it is confident. The
 * classifier holds tool output and fetched documents to a lower bar than the developer's own
 * messages, and leaves system prompts to the phrase scorer: the operator writes those.
 */
export const PromptInjectionConfig = z.strictObject({
  /** 0.5 keeps the false-positive rate on developer prompts under 5% on the evaluation set. */
  threshold: z.number().min(0).max(1).default(0.5),
  categories: z.array(z.enum([...CATEGORIES, LEARNED])).min(1, 'list at least one category').default([...CATEGORIES, LEARNED]),
  /** Languages whose phrases are looked for (hidden and encoded content is found in any). */
  languages: z.array(z.enum(LANGUAGES)).min(1, 'list at least one language').optional(),
  /** Run the learned classifier beside the phrases. */
  learned: z.boolean().default(true),
});



export const REMOVED = '[removed:prompt_injection]';

/** The `prompt_injection` guardrail type. */
export const PROMPT_INJECTION: GuardrailType<z.infer<typeof PromptInjectionConfig>> = {
  config: PromptInjectionConfig,
  create(config) {
    const learned = config.learned && config.categories.includes(LEARNED) ? new LearnedScorer(MODEL) : null;
    const wanted = new Set<string>(config.categories);
    // `threshold` moves the classifier's calibrated bars by as many log-odds as it moves away from its default.
    const shift = logit(Math.min(Math.max(config.threshold, 1e-9), 1 - 1e-9)) - logit(0.5);
    const bars = learned && { own: logit(learned.thresholds.own) + shift, untrusted: logit(learned.thresholds.untrusted) + shift };
    // What an encoded payload decodes to is untrusted text wherever it sat: the classifier reads it at that bar.
    const decodedHit = learned && bars ? (t: string) => learned.windows(t).some((w) => w.logit >= bars.untrusted) : undefined;
    const detector = new Detector(config.languages, decodedHit);
    // The kind changes the score, so a text is remembered per kind it arrived as.
    const scan = spanScanner((text, kind) => {
      const spans: Span[] = detector
        .scan(text, kind, config.threshold)
        .filter((h) => wanted.has(h.type))
        .map(({ type, start, end }) => ({ type, start, end }));
      if (learned && bars && kind !== 'system') {
        const bar = kind === 'tool' ? bars.untrusted : bars.own;
        const phrases = spans.length;
        for (const w of learned.windows(text)) {
          // Where the phrase scorer has named the attack, the classifier adds nothing.
          if (w.logit < bar || spans.slice(0, phrases).some((s) => s.start < w.end && w.start < s.end)) continue;
          const last = spans.at(-1);
          if (last?.type === LEARNED && w.start <= last.end) last.end = Math.max(last.end, w.end);
          else spans.push({ type: LEARNED, start: w.start, end: w.end });
        }
      }
      return spans;
    }, { byKind: true });
    return {
      scan,
      // Invisible characters go entirely: a marker would only tell an attacker where they were.
      redact: (texts, findings) => replaceSpans(texts, findings, (_f, original) => (onlyInvisible(original) ? '' : REMOVED)),
    };
  },
};
