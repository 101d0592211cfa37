import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';
import { z } from 'zod';
import type { GuardrailType } from '../../policy/engine/guardrails.js';
import { AnchorAutomaton } from '../anchors.js';
import { replaceSpans, spanScanner, type Span } from '../spans.js';

/**
 * `topic`: texts about a denied topic. Keywords of every topic are found in one pass (a
 * case-insensitive automaton, whole words only), patterns run through re2js (RE2 semantics,
 * linear like deny_regex). A topic fires when any of its terms is found, or with
 * `match: all` only when every one of them is.
 */
const TopicSchema = z
  .strictObject({
    /** The finding type reported, e.g. `legal_advice`. */
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a topic name such as legal_advice (lower case, digits, _)'),
    keywords: z.array(z.string().trim().min(1)).optional(),
    patterns: z.array(z.string().min(1)).optional(),
  })
  .refine((t) => (t.keywords?.length ?? 0) + (t.patterns?.length ?? 0) > 0, 'give the topic at least one keyword or pattern');

export const TopicConfig = z.strictObject({
  topics: z.array(TopicSchema).min(1, 'list at least one topic'),
  match: z.enum(['any', 'all']).default('any'),
});

let re2: typeof RE2JSClass | null = null;
function engine(): typeof RE2JSClass {
  re2 ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  return re2;
}

const WORD = /[\p{L}\p{N}_]/u;
// Scripts written without spaces between words: a keyword there has no word boundary to ask for.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** Whether a keyword found at start..end stands as a whole word (its spaced-script edges not glued to letters). */
function wholeWord(text: string, start: number, end: number, keyword: string): boolean {
  const first = keyword[0]!;
  const last = keyword.at(-1)!;
  if (WORD.test(first) && !UNSPACED.test(first) && start > 0 && WORD.test(text[start - 1]!)) return false;
  if (WORD.test(last) && !UNSPACED.test(last) && end < text.length && WORD.test(text[end]!)) return false;
  return true;
}

/** The `topic` guardrail type. */
export const TOPIC: GuardrailType<z.infer<typeof TopicConfig>> = {
  config: TopicConfig,
  create(config, rule) {
    const RE2JS = engine();
    const keywords: { word: string; topic: number }[] = [];
    config.topics.forEach((t, i) => t.keywords?.forEach((word) => keywords.push({ word, topic: i })));
    const automaton = new AnchorAutomaton(keywords.map((k) => k.word));
    const patterns = config.topics.map((t, ti) =>
      (t.patterns ?? []).map((p, pi) => {
        try {
          return RE2JS.compile(p, RE2JS.CASE_INSENSITIVE);
        } catch (err) {
          throw new Error(`config.topics.${ti}.patterns.${pi}: guardrail ${rule.id}: topic ${t.name} pattern ${JSON.stringify(p)} is not a valid RE2 expression (${(err as Error).message}); RE2 has no backreferences or lookaround, so rewrite it without them`);
        }
      }),
    );
    // Per topic, how many terms it has: `match: all` needs each of them found.
    const terms = config.topics.map((t) => (t.keywords?.length ?? 0) + (t.patterns?.length ?? 0));

    const spansOf = (text: string): Span[] => {
      const byTopic = config.topics.map(() => ({ spans: [] as Span[], found: new Set<string>() }));
      for (const h of automaton.find(text)) {
        const k = keywords[h.anchor]!;
        const end = h.start + k.word.length;
        if (!wholeWord(text, h.start, end, k.word)) continue;
        byTopic[k.topic]!.spans.push({ type: config.topics[k.topic]!.name, start: h.start, end });
        byTopic[k.topic]!.found.add(`k${h.anchor}`);
      }
      patterns.forEach((list, t) =>
        list.forEach((re, j) => {
          if (!re.test(text)) return;
          const m = re.matcher(text);
          while (m.find()) {
            if (m.end() === m.start()) break;
            byTopic[t]!.spans.push({ type: config.topics[t]!.name, start: m.start(), end: m.end() });
            byTopic[t]!.found.add(`p${j}`);
          }
        }),
      );
      return byTopic.flatMap((b, t) => (b.found.size > 0 && (config.match === 'any' || b.found.size === terms[t]) ? b.spans : [])).sort((a, b) => a.start - b.start);
    };

    return { scan: spanScanner(spansOf), redact: (texts, findings) => replaceSpans(texts, findings, (f) => `[removed:${f.type}]`) };
  },
};
