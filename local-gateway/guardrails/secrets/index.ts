import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';
import { z } from 'zod';
import type { GuardrailFinding, GuardrailType } from '../../policy/engine/guardrails.js';
import { replaceSpans, spanScanner } from '../spans.js';
import { RULE_IDS, RULES } from './rules.js';
import { createScanner, type SecretSpan } from './scan.js';

/**
 * `secrets`: provider keys, tokens, private keys and secret-looking assignments, found by the
 * rules in rules.ts. `mutate` replaces each with `[redacted:<rule id>]` and never restores it:
 * a secret that reached the model is leaked, so it must not come back either.
 */
export const SecretsConfig = z.strictObject({
  /** Only these rule ids (default: all). */
  rules: z.array(z.enum(RULE_IDS)).min(1, 'list at least one rule id, or leave rules out for all').optional(),
  /** Rule ids to leave out. */
  exclude: z.array(z.enum(RULE_IDS)).default([]),
  /** Values that are never a finding: a literal, or `/re2 pattern/` (flag `i` allowed after the closing slash). */
  allow: z.array(z.string().min(1)).default([]),
  /** Bits per character a generic_secret value needs (rules.ts default: 3). */
  generic_min_entropy: z.number().min(0).max(8).optional(),
});
export type SecretsConfig = z.infer<typeof SecretsConfig>;

let re2: typeof RE2JSClass | null = null;
function engine(): typeof RE2JSClass {
  re2 ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  return re2;
}

/** `allow` entries: literals compare whole, `/…/` patterns are RE2 (linear, like deny_regex) and may match a part. */
function allowList(entries: readonly string[], ruleId: string): (value: string) => boolean {
  const literals = new Set<string>();
  const patterns: { test(s: string): boolean }[] = [];
  for (const entry of entries) {
    const m = /^\/(.+)\/(i?)$/s.exec(entry);
    if (!m) {
      literals.add(entry);
      continue;
    }
    const RE2JS = engine();
    try {
      patterns.push(RE2JS.compile(m[1]!, m[2] ? RE2JS.CASE_INSENSITIVE : 0));
    } catch (err) {
      throw new Error(`guardrail ${ruleId}: allow pattern ${JSON.stringify(entry)} is not a valid RE2 expression (${(err as Error).message})`);
    }
  }
  return (value) => literals.has(value) || patterns.some((p) => p.test(value));
}

/** The scanner for a config, without the registry: the scan CLI, benches and tests use it directly. */
export function secretsScanner(config: SecretsConfig, ruleId = 'secrets'): (text: string) => SecretSpan[] {
  const include = config.rules ? new Set(config.rules) : null;
  const rules = RULES.filter((r) => (!include || include.has(r.id)) && !config.exclude.includes(r.id));
  return createScanner({ rules, allowed: allowList(config.allow, ruleId), genericMinEntropy: config.generic_min_entropy });
}

/** Replaces each finding with `[redacted:<type>]`. */
export function redactSecrets(texts: readonly string[], findings: readonly GuardrailFinding[]): string[] {
  return replaceSpans(texts, findings, (f) => `[redacted:${f.type}]`);
}

/** The `secrets` guardrail type. */
export const SECRETS: GuardrailType<z.infer<typeof SecretsConfig>> = {
  config: SecretsConfig,
  create(config, rule) {
    // Spans per long text: the 50th turn of a conversation scans only its new messages.
    return { scan: spanScanner(secretsScanner(config, rule.id)), redact: redactSecrets };
  },
};
