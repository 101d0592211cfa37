import { checkYamlWith, parseYamlWith, type YamlProblem } from '../config/load.js';
import { guardrailConfigErrors } from './engine/index.js';
import { PolicyBundleSchema, type PolicyBundle, type TierSpec } from './schema.js';

/**
 * The bundle schema plus what only the engine knows: that each guardrail's `type` exists in
 * this build and its `config` fits that type. `policy check`, the file watcher and the start
 * all load through it, so a typo in a guardrail's config is refused with its line, not found
 * on the first request.
 */
export const CheckedBundleSchema = PolicyBundleSchema.superRefine((bundle, ctx) => {
  for (const [name, tier] of Object.entries(bundle.tiers)) {
    toolRuleProblems(tier).forEach(({ path, message }) => ctx.addIssue({ code: 'custom', path: ['tiers', name, ...path], message }));
    tier.guardrails?.forEach((rule, i) => {
      const at = ['tiers', name, 'guardrails', i];
      for (const message of guardrailConfigErrors(rule)) {
        if (message.startsWith('unknown guardrail type')) {
          ctx.addIssue({ code: 'custom', path: [...at, 'type'], message });
          continue;
        }
        if (message.startsWith('hook: ')) {
          ctx.addIssue({ code: 'custom', path: [...at, 'hook'], message: message.slice('hook: '.length) });
          continue;
        }
        // The engine says `config.patterns: …`; the path goes where the line lookup can use it.
        const m = /^config((?:\.[^:\s]+)*): (.*)$/s.exec(message);
        const sub = m?.[1] ? m[1].slice(1).split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)) : [];
        ctx.addIssue({ code: 'custom', path: [...at, 'config', ...sub], message: m ? m[2]! : message });
      }
    });
  }
});

/** Rules that name tools but could never act on a tool call: the problem is a sentence, at the field to fix. */
function toolRuleProblems(tier: TierSpec): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  tier.guardrails?.forEach((g, i) => {
    if (g.when?.tools && !g.hook.startsWith('mcp_')) out.push({ path: ['guardrails', i, 'when', 'tools'], message: `matches tool calls only, and this rule runs on ${g.hook}: put it on mcp_pre_tool or mcp_post_tool, or drop tools` });
  });
  tier.rate_limits?.forEach((r, i) => {
    if (r.when?.tools && r.limit.tokens !== undefined) out.push({ path: ['rate_limits', i, 'limit', 'tokens'], message: 'a tool call has no tokens: limit tool calls with requests: N' });
  });
  tier.budgets?.forEach((b, i) => {
    if (b.when?.tools) out.push({ path: ['budgets', i, 'when', 'tools'], message: 'a tool call costs no USD, so a budget never counts one: limit tool calls with a rate limit (requests: N)' });
  });
  return out;
}

/** Validates bundle text (YAML or JSON); every problem with its line, an unknown key at its own. */
export function checkPolicyText(text: string, file: string): { ok: true; data: PolicyBundle } | { ok: false; problems: YamlProblem[] } {
  return checkYamlWith(CheckedBundleSchema, text, file);
}

/** `checkPolicyText` that throws a ConfigError listing every problem as `file:line: field: message`. */
export function parsePolicyText(text: string, file: string): PolicyBundle {
  return parseYamlWith(CheckedBundleSchema, text, file);
}
