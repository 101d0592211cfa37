import type { ResolvedTier, Verdict } from '../schema.js';
import type { RequestFacts } from './facts.js';
import { globMatch, modelNames } from './match.js';
import { verdict, type Role } from './verdict.js';

/** How a caller attaches metadata; named in every refusal so the fix is one copy away. */
export const METADATA_HOW = 'send it in the x-gatehouse-metadata header, e.g. x-gatehouse-metadata: {"ticket_id":"PAY-12"}';

/** The metadata contract: one verdict per required key the request lacks (rule `metadata.<key>`). */
export function metadataStage(tier: ResolvedTier, facts: RequestFacts, role: Role): Verdict[] {
  const out: Verdict[] = [];
  for (const key of tier.metadata.required) {
    const value = facts.metadata[key];
    if (value !== undefined && value !== '') continue;
    out.push(verdict(role, 'metadata', `metadata.${key}`, 'block', 'enforce', `${role.tier} requires metadata key ${key}: ${METADATA_HOW}.`, [{ type: 'missing', detail: key }]));
  }
  return out;
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
