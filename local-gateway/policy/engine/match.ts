import type { Match } from '../schema.js';
import type { RequestFacts } from './facts.js';

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters (including `/`); everything else is literal. */
export function globMatch(glob: string, name: string): boolean {
  if (glob === '*') return true;
  if (!glob.includes('*')) return glob === name;
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    globCache.set(glob, re);
  }
  return re.test(name);
}

/** The names a model rule is checked against: the requested name and, when known, the resolved one. */
export function modelNames(facts: RequestFacts): string[] {
  return facts.resolvedModel && facts.resolvedModel !== facts.model ? [facts.model, facts.resolvedModel] : [facts.model];
}

/** Whether a rule's `when` holds for a request; every listed condition must (absent = always). */
export function matches(when: Match | undefined, facts: RequestFacts): boolean {
  if (!when) return true;
  if (when.metadata) {
    for (const [k, v] of Object.entries(when.metadata)) if (facts.metadata[k] !== v) return false;
  }
  if (when.models && !when.models.some((g) => modelNames(facts).some((n) => globMatch(g, n)))) return false;
  if (when.users && !when.users.includes(facts.user)) return false;
  if (when.teams && (facts.team === null || !when.teams.includes(facts.team))) return false;
  if (when.tools && !(facts.tool && when.tools.some((g) => globMatch(g, facts.tool!.exposed)))) return false;
  return true;
}

/**
 * The counter key of a scope, e.g. `user=ana|metadata.team=payments`. A request without a
 * scope's value (no team, no such metadata key) counts under `-`, so it is still limited.
 */
export function scopeKey(scope: readonly string[], facts: RequestFacts): string {
  if (scope.length === 0) return '*';
  return scope.map((s) => `${s}=${scopeValue(s, facts) ?? '-'}`).join('|');
}

function scopeValue(scope: string, facts: RequestFacts): string | null {
  if (scope === 'user') return facts.user;
  if (scope === 'team') return facts.team;
  if (scope === 'model') return facts.resolvedModel ?? facts.model;
  if (scope === 'tool') return facts.tool?.exposed ?? null;
  return facts.metadata[scope.slice('metadata.'.length)] ?? null;
}
