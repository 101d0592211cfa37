import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';
import { z } from 'zod';
import { replaceSpans, spanScanner, type Span } from '../spans.js';
import type { GuardrailType } from '../../policy/engine/guardrails.js';

/**
 * `deny_regex`: finds any of a list of patterns. RE2 semantics (no backreferences or
 * lookaround) keep matching linear in the text, so a policy pattern cannot stall the
 * gateway on a 256 KiB agent prompt.
 */
const DenyRegexConfig = z.strictObject({
  patterns: z.array(z.string().min(1)).min(1, 'list at least one pattern'),
  case_insensitive: z.boolean().default(false),
  /** The finding type reported, e.g. `email`. */
  label: z.string().min(1).default('match'),
});

// Loaded when the first deny_regex guardrail is built: a gateway without one does not carry
// the engine (~1.3 MB resident), and building a guardrail is synchronous, hence require.
let re2: typeof RE2JSClass | null = null;
function engine(): typeof RE2JSClass {
  re2 ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  return re2;
}

/** The `deny_regex` guardrail type. */
export const DENY_REGEX: GuardrailType<z.infer<typeof DenyRegexConfig>> = {
  config: DenyRegexConfig,
  create(config, rule) {
    const RE2JS = engine();
    const flags = config.case_insensitive ? RE2JS.CASE_INSENSITIVE : 0;
    const res = config.patterns.map((p, i) => {
      try {
        return RE2JS.compile(p, flags);
      } catch (err) {
        // Led by its config path, so `policy check` points at the pattern's own line.
        throw new Error(`config.patterns.${i}: guardrail ${rule.id}: pattern ${JSON.stringify(p)} is not a valid RE2 expression (${(err as Error).message}); RE2 has no backreferences or lookaround, so rewrite it without them`);
      }
    });
    // Spans per long text, shared by every tier whose guardrail has this same config.
    const scan = spanScanner((text) => {
      const spans: Span[] = [];
      for (const re of res) {
        // test() is a fast pass without positions; most texts match nothing, so spans are rarely needed.
        if (!re.test(text)) continue;
        const m = re.matcher(text);
        while (m.find()) {
          // An empty match would find itself forever; it is no finding anyway.
          if (m.end() === m.start()) break;
          spans.push({ type: config.label, start: m.start(), end: m.end() });
        }
      }
      return spans;
    });
    return { scan, redact: (texts, findings) => replaceSpans(texts, findings, (f) => `[redacted:${f.type}]`) };
  },
};
