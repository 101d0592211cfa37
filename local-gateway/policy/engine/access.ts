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
