import { readFileSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { writePrivateJson } from '../../local-gateway/core/home.js';
import { SigningKeySchema } from '../protocol.js';

/**
 * What the device side of sync keeps in the gateway's home, one small JSON file each, written
 * atomically (`writePrivateJson`) and readable by the user only. None holds a secret: the PAT
 * lives in the OS keychain (or `GATEHOUSE_PAT`).
 */

/** `<home>/enrollment.json`: who this device is to its central gateway. */
export const EnrollmentSchema = z.object({
  central_url: z.url({ protocol: /^https?$/ }),
  device_id: z.string().min(1),
  org: z.string().min(1),
  user: z.string().min(1),
  team: z.string().nullable(),
  /** Keys pinned at enrollment, grown by verified endorsements (key rotation). */
  signing_keys: z.array(SigningKeySchema).min(1),
  enrolled_at: z.string(),
  /** Where the PAT is read from: the keychain entry `pat`, or the `GATEHOUSE_PAT` environment variable. */
  pat_source: z.enum(['keychain', 'env']),
});
export type Enrollment = z.infer<typeof EnrollmentSchema>;

/** `<home>/org-policy.json`: the last bundle that verified, exactly as signed. */
export const OrgPolicyCacheSchema = z.object({
  org: z.string(),
  version: z.number().int(),
  bundle: z.string(),
  signature: z.string(),
  key_id: z.string(),
  etag: z.string().nullable(),
  applied_at: z.string(),
});
export type OrgPolicyCache = z.infer<typeof OrgPolicyCacheSchema>;

/**
 * `<home>/policy-state.json`: the highest version ever accepted, per org. It survives
 * `gatehouse unenroll`, so unenrolling and enrolling again to the same org cannot be used to
 * roll the device back to an older, validly signed bundle.
 */
export const PolicyStateSchema = z.object({ highest: z.record(z.string(), z.number().int().min(0)) });
export type PolicyState = z.infer<typeof PolicyStateSchema>;

/** Reads a state file; null when absent. A file that does not parse is reported, never trusted. */
export function readState<T>(file: string, schema: z.ZodType<T>): { value: T | null; error: string | null } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { value: null, error: null };
    return { value: null, error: `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return { value: parsed.data, error: null };
    return { value: null, error: `${file} is not valid (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})` };
  } catch {
    return { value: null, error: `${file} is not valid JSON` };
  }
}

export const readEnrollment = (file: string): Enrollment | null => readState(file, EnrollmentSchema).value;

export function writeState(file: string, value: unknown): void {
  writePrivateJson(file, value);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}

export function highestAccepted(file: string, org: string): number {
  return readState(file, PolicyStateSchema).value?.highest[org] ?? 0;
}

/** Raises the org's highest accepted version; never lowers it. */
export function recordAccepted(file: string, org: string, version: number): void {
  const state = readState(file, PolicyStateSchema).value ?? { highest: {} };
  state.highest[org] = Math.max(state.highest[org] ?? 0, version);
  writePrivateJson(file, state);
}
