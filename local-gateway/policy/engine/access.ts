import type { ResolvedTier, Verdict } from '../schema.js';
import type { RequestFacts } from './facts.js';
import { globMatch, modelNames } from './match.js';
import { verdict, type Role } from './verdict.js';

/** Example values for keys policies commonly require; any other key gets a placeholder. */
const EXAMPLE_VALUES: Record<string, string> = { ticket_id: 'PAY-12', team: 'payments', project: 'checkout', surface: 'ide-agent', env: 'dev' };

/**
 * How a caller attaches the keys it lacks, named in every refusal so the fix is one copy
 * away: the example holds exactly the missing keys, so pasting it satisfies the contract.
 */
export function metadataHow(missing: readonly string[]): string {
  const example = Object.fromEntries(missing.map((k) => [k, EXAMPLE_VALUES[k] ?? `<${k}>`]));
  return `send it in the x-gatehouse-metadata header, e.g. x-gatehouse-metadata: ${JSON.stringify(example)}`;
}

/** The metadata contract: one verdict per required key the request lacks (rule `metadata.<key>`). */
export function metadataStage(tier: ResolvedTier, facts: RequestFacts, role: Role): Verdict[] {
  const missing = tier.metadata.required.filter((key) => {
    const value = facts.metadata[key];
    return value === undefined || value === '';
  });
  if (missing.length === 0) return [];
  const how = metadataHow(missing);
  return missing.map((key) => verdict(role, 'metadata', `metadata.${key}`, 'block', 'enforce', `${role.tier} requires metadata key ${key}: ${how}.`, [{ type: 'missing', detail: key }]));
}

/** Whether a tier lets callers see and call an exposed MCP tool (`<server>_<tool>`): an `allow` glob matches and no `deny` glob does. */
export function toolAllowed(tier: ResolvedTier, exposed: string): boolean {
  return !tier.tools.deny.some((g) => globMatch(g, exposed)) && tier.tools.allow.some((g) => globMatch(g, exposed));
}

/** Tool access, for a tool call: the tier's `tools.allow`/`deny` on the exposed name, as model access does for models. */
export function toolAccessStage(tier: ResolvedTier, facts: RequestFacts, role: Role): Verdict[] {
  if (!facts.tool) return [];
  const name = facts.tool.exposed;
  const denied = tier.tools.deny.find((g) => globMatch(g, name));
  if (denied !== undefined) {
    return [verdict(role, 'tool_access', 'tools.deny', 'block', 'enforce', `${role.tier} denies tool ${name} (rule tools.deny: ${denied}): use another tool, or ask the policy owner.`, [{ type: 'tool', detail: name }])];
  }
  if (tier.tools.allow.some((g) => globMatch(g, name))) return [];
  return [verdict(role, 'tool_access', 'tools.allow', 'block', 'enforce', `${role.tier} does not allow tool ${name}: it allows ${tier.tools.allow.join(', ') || 'none'}.`, [{ type: 'tool', detail: name }])];
}

/** Whether a tier lets callers see and fetch a prompt (by exposed name) or a resource (by URI): its `prompts`/`resources` lists, as `tools` for tools. */
export function contentAllowed(tier: ResolvedTier, kind: 'prompt' | 'resource', name: string): boolean {
  const lists = kind === 'prompt' ? tier.prompts : tier.resources;
  return !lists.deny.some((g) => globMatch(g, name)) && lists.allow.some((g) => globMatch(g, name));
}

/** Prompt and resource access, for a `prompts/get` or `resources/read`: recorded under the `tool_access` stage, the MCP access stage. */
export function contentAccessStage(tier: ResolvedTier, facts: RequestFacts, role: Role): Verdict[] {
  if (!facts.content) return [];
  const { kind, exposed: name } = facts.content;
  const section = kind === 'prompt' ? 'prompts' : 'resources';
  const denied = tier[section].deny.find((g) => globMatch(g, name));
  if (denied !== undefined) {
    return [verdict(role, 'tool_access', `${section}.deny`, 'block', 'enforce', `${role.tier} denies ${kind} ${name} (rule ${section}.deny: ${denied}): use another ${kind}, or ask the policy owner.`, [{ type: kind, detail: name }])];
  }
  if (tier[section].allow.some((g) => globMatch(g, name))) return [];
  return [verdict(role, 'tool_access', `${section}.allow`, 'block', 'enforce', `${role.tier} does not allow ${kind} ${name}: it allows ${tier[section].allow.join(', ') || 'none'}.`, [{ type: kind, detail: name }])];
}

/**
 * Model access: a model is allowed when its requested or resolved name matches an `allow`
 * glob and neither matches a `deny` glob (deny wins).
 */
export function modelAccessStage(tier: ResolvedTier, facts: RequestFacts, role: Role): Verdict[] {
  const names = modelNames(facts);
  const denied = tier.models.deny.find((g) => names.some((n) => globMatch(g, n)));
  if (denied !== undefined) {
    return [verdict(role, 'model_access', 'models.deny', 'block', 'enforce', `${role.tier} denies model ${facts.model} (rule models.deny: ${denied}): pick another model.`, [{ type: 'model', detail: facts.model }])];
  }
  if (tier.models.allow.some((g) => names.some((n) => globMatch(g, n)))) return [];
  const allowed = tier.models.allow.join(', ') || 'none';
  return [verdict(role, 'model_access', 'models.allow', 'block', 'enforce', `${role.tier} does not allow model ${facts.model}: use one of ${allowed}.`, [{ type: 'model', detail: facts.model }])];
}
