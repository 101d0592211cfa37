import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { z } from 'zod';
import type * as CedarModule from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarValueJson, Entities } from '@cedar-policy/cedar-wasm/nodejs';
import type { GuardrailType } from '../../policy/engine/guardrails.js';
import type { RequestFacts } from '../../policy/engine/facts.js';

type Cedar = typeof CedarModule;

/**
 * `tool_permissions`: who may call which MCP tool, as Cedar policies. The request is
 * principal `User::"<user>"` (a member of `Team::"<team>"`), action `Action::"<tool>"` (the
 * upstream's own tool name), resource `Server::"<server id>"`, and context
 * `{ tool, arguments, metadata }`. Cedar denies what no policy permits; `default: allow`
 * turns that around, so only a matching `forbid` denies.
 */
const ToolPermissionsConfig = z.strictObject({
  cedar: z.string().min(1, 'write at least one Cedar policy, e.g. permit(principal, action, resource);').describe('Cedar policies over `User`/`Team`, `Action::"<tool>"`, `Server::"<id>"` and `context.arguments`, `context.metadata`.'),
  default: z.enum(['deny', 'allow']).default('deny').describe('What a call no policy decides gets: `deny` (Cedar\'s own) or `allow` (only a `forbid` denies).'),
});

// Loaded with the first tool_permissions rule: a gateway without one never carries the wasm module (building is synchronous, hence require).
let cedar: Cedar | null = null;
function engine(): Cedar {
  cedar ??= createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as Cedar;
  return cedar;
}

/** JSON as Cedar takes it: no null, no fractions (Cedar's numbers are integers), so those become strings. */
function cedarValue(v: unknown): CedarValueJson {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : String(v);
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(cedarValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, CedarValueJson> = {};
    // `__entity`/`__extn` would be read as Cedar escapes: a tool argument is never one.
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined && !k.startsWith('__')) out[k] = cedarValue(x);
    return out;
  }
  return String(v);
}

function request(facts: RequestFacts) {
  const tool = facts.tool!;
  const user = { type: 'User', id: facts.user };
  const entities: Entities = [{ uid: user, attrs: {}, parents: facts.team ? [{ type: 'Team', id: facts.team }] : [] }];
  if (facts.team) entities.push({ uid: { type: 'Team', id: facts.team }, attrs: {}, parents: [] });
  return {
    principal: user,
    action: { type: 'Action', id: tool.name },
    resource: { type: 'Server', id: tool.server },
    context: { tool: tool.exposed, arguments: cedarValue(tool.arguments), metadata: cedarValue(facts.metadata) } as Record<string, CedarValueJson>,
    entities,
  };
}

/** Whether any of the policies reads `context` (the arguments, the metadata): when none does, a decision depends on the caller, the tool and the server only. */
function readsContext(c: Cedar, text: string): boolean {
  const parts = c.policySetTextToParts(text);
  if (parts.type === 'failure') return true;
  return parts.policies.some((p) => {
    const json = c.policyToJson(p);
    return json.type === 'failure' || JSON.stringify(json.json).includes('{"Var":"context"}');
  });
}

/** Decisions kept per rule when its policies read no context; past this many callers × tools it starts again. */
const MAX_KEPT = 1024;

export const TOOL_PERMISSIONS: GuardrailType<z.infer<typeof ToolPermissionsConfig>> = {
  config: ToolPermissionsConfig,
  hooks: ['mcp_pre_tool'],
  create(config, rule) {
    const c = engine();
    // Parsed once into the wasm module's own cache, under a name that is the text's hash: the
    // same policies in two tiers or two gateways are one entry, and a call does not parse them again.
    const id = `gatehouse:${createHash('sha256').update(config.cedar).digest('hex')}`;
    const parsed = c.preparsePolicySet(id, { staticPolicies: config.cedar });
    if (parsed.type === 'failure') throw new Error(`config.cedar: guardrail ${rule.id}: the Cedar policies do not parse (${parsed.errors.map((e) => e.message).join('; ')})`);
    const evaluate = (facts: RequestFacts) => c.statefulIsAuthorized({ ...request(facts), preparsedPolicySetId: id });
    // A Cedar decision costs a few hundred µs (the request crosses into wasm as JSON): policies
    // that never read `context` decide the same for the same caller, tool and server, so those are kept.
    const kept = readsContext(c, config.cedar) ? null : new Map<string, ReturnType<typeof evaluate>>();
    const decide = (facts: RequestFacts) => {
      if (!kept) return evaluate(facts);
      const key = JSON.stringify([facts.user, facts.team ?? null, facts.tool!.name, facts.tool!.server]);
      let answer = kept.get(key);
      if (!answer) {
        if (kept.size >= MAX_KEPT) kept.clear();
        kept.set(key, (answer = evaluate(facts)));
      }
      return answer;
    };
    return {
      scan(_texts, subject) {
        if (!subject?.facts.tool) throw new Error(`guardrail ${rule.id} (tool_permissions) runs on tool calls only`);
        // Every tier asks about the same facts: the same policies are decided once per call.
        const answer = (subject.shared?.get(id) as ReturnType<typeof decide> | undefined) ?? decide(subject.facts);
        subject.shared?.set(id, answer);
        if (answer.type === 'failure') throw new Error(`Cedar could not decide: ${answer.errors.map((e) => e.message).join('; ')}`);
        const { decision, diagnostics } = answer.response;
        if (decision === 'allow') return [];
        // A deny no forbid caused is Cedar's default: `default: allow` lets it through.
        if (config.default === 'allow' && diagnostics.reason.length === 0) return [];
        return [{ type: diagnostics.reason.length > 0 ? `forbidden:${diagnostics.reason.join(',')}` : 'not_permitted', text: 0, start: 0, end: 0 }];
      },
      redact: (texts) => [...texts],
    };
  },
};
