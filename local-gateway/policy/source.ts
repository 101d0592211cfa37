import { ConfigError, type YamlProblem } from '../core/config-error.js';
import { readFileSync } from 'node:fs';
import { parsePolicyText } from './validate.js';
import { permissiveTier, resolveTier, type PolicyBundle, type ResolvedTier } from './schema.js';

/** The policy in force right now, resolved for the tiers the gateway evaluates. */
export interface ActivePolicy {
  /** Null when no policy is configured: the built-in permissive tier applies. */
  bundle: PolicyBundle | null;
  source: 'builtin' | 'file' | 'org';
  /** The local file it came from, when `source` is `file`. */
  file: string | null;
  /** Resolved tiers by name, for the active tier and every shadow tier the config names. */
  tiers: ReadonlyMap<string, ResolvedTier>;
  loadedAt: number;
}

/**
 * Where the engine reads the policy from. A request reads `current()` once at its start, so
 * a policy that changes mid-request never mixes two versions in one evaluation.
 */
export interface PolicySource {
  current(): ActivePolicy;
  /** Called after a new policy is applied. */
  onChange(listener: (policy: ActivePolicy) => void): void;
  /** Why the newest change was refused (the last good policy stays in force); null once one applies. */
  lastError?(): PolicyLoadError | null;
  /**
   * Called when `lastError()` changes without a new policy (a change refused, or a revert to
   * the text in force clearing the refusal), so the dashboard shows it without a reload.
   */
  onLastError?(listener: (error: PolicyLoadError | null) => void): void;
  close(): void;
}

/** A policy change that was refused, as `GET /api/policy` shows it. */
export interface PolicyLoadError {
  file: string;
  /** `file:line: field: message`, one line per problem. */
  message: string;
  /** The same problems one by one; empty when the refusal has no line (an unreadable file, a missing tier, a bad signature). */
  problems?: readonly YamlProblem[];
  at: number;
}

/** Resolves the named tiers of a bundle; a tier the bundle lacks is an error naming the tiers it has. */
export function activePolicy(bundle: PolicyBundle | null, tierNames: readonly string[], source: ActivePolicy['source'], file: string | null): ActivePolicy {
  const tiers = new Map<string, ResolvedTier>();
  for (const name of tierNames) tiers.set(name, bundle === null ? permissiveTier(name) : resolveTier(bundle, name));
  return { bundle, source, file, tiers, loadedAt: Date.now() };
}

/** Reads and validates a bundle file (YAML or JSON); errors name the file, line and field. */
export function loadPolicyFile(file: string): PolicyBundle {
  return parsePolicyText(readPolicyText(file), file);
}

/** The text of a bundle file; a missing or unreadable file is a ConfigError that says so. */
export function readPolicyText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `${file}: no such policy file; check the path (policy: in gatehouse.yaml)` : `${file}: cannot read the policy file (${code ?? String(err)})`,
    );
  }
}

/** A policy that never changes: the built-in tier, or a bundle given once (tests, replay). */
export function staticPolicy(bundle: PolicyBundle | null, tierNames: readonly string[], file: string | null = null): PolicySource {
  const policy = activePolicy(bundle, tierNames, bundle === null ? 'builtin' : 'file', file);
  return { current: () => policy, onChange: () => {}, close: () => {} };
}
