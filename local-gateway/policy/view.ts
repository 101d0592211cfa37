import { z } from 'zod';
import type { Config } from '../config/schema.js';
import { resolveTier, type ResolvedTier } from './schema.js';
import type { ActivePolicy, PolicyLoadError } from './source.js';

/** The last sync cycle's policy step: when, what it did, the version in force after it and why it failed. */
export const LastSyncSchema = z.object({
  at: z.string(),
  /** `applied`: a new version is in force; `unchanged`: 304 or the same bundle; `rejected`: refused, the last good one stays; `error`: could not fetch. */
  outcome: z.enum(['applied', 'unchanged', 'rejected', 'error', 'skipped']),
  version: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type LastSync = z.infer<typeof LastSyncSchema>;

/** `GET /api/policy` and `gatehouse policy show --json`: the policy in force and where it came from. */
export const PolicyViewSchema = z.object({
  org: z.string().nullable(),
  /** The bundle's version; null on the built-in permissive tier. */
  version: z.number().int().nullable(),
  expires: z.string().nullable(),
  source: z.enum(['builtin', 'file', 'org']),
  file: z.string().nullable(),
  loaded_at: z.string(),
  /** The newest refused change (the last good policy stays in force); null once a change applies. */
  last_error: z
    .object({
      file: z.string(),
      message: z.string(),
      /** Each problem as `gatehouse policy check` reports it: its line and field; empty when the refusal has no line. */
      problems: z.array(z.object({ line: z.number().int(), path: z.string(), message: z.string() })).default([]),
      at: z.string(),
    })
    .nullable(),
  tiers: z.object({ active: z.string(), shadow: z.array(z.string()), defined: z.array(z.string()) }),
  /** The active and shadow tiers with `extends` resolved and defaults filled in. */
  resolved: z.record(z.string(), z.unknown()),
  /** The last sync with the central gateway; null until the enrolled device has run a cycle. */
  last_sync: LastSyncSchema.nullable(),
});
export type PolicyView = z.infer<typeof PolicyViewSchema>;

export function policyView(policy: ActivePolicy, tiers: Config['tiers'], lastError: PolicyLoadError | null, lastSync: LastSync | null = null): PolicyView {
  const b = policy.bundle;
  return {
    org: b?.org ?? null,
    version: b?.version ?? null,
    expires: b?.expires ?? null,
    source: policy.source,
    file: policy.file,
    loaded_at: new Date(policy.loadedAt).toISOString(),
    last_error:
      lastError === null
        ? null
        : {
            file: lastError.file,
            message: lastError.message,
            problems: (lastError.problems ?? []).map((p) => ({ line: p.line, path: p.path, message: p.message })),
            at: new Date(lastError.at).toISOString(),
          },
    tiers: { active: tiers.active, shadow: tiers.shadow, defined: b === null ? [...policy.tiers.keys()] : Object.keys(b.tiers) },
    resolved: Object.fromEntries(policy.tiers),
    last_sync: lastSync,
  };
}

/** Any tier of the policy in force, resolved; null when it defines no such tier. */
export function tierOf(policy: ActivePolicy, name: string): ResolvedTier | null {
  if (policy.bundle === null) return policy.tiers.get(name) ?? null;
  return name in policy.bundle.tiers ? resolveTier(policy.bundle, name) : null;
}
