import { resolveTier, type PolicyBundle } from '../../local-gateway/policy/schema.js';
import { parsePolicyText } from '../../local-gateway/policy/validate.js';
import { PolicyResponseSchema, type PolicyResponse, type SigningKey } from '../protocol.js';
import { isPastEnd, verifyBytes, verifyEndorsement } from '../signing.js';

/**
 * Everything an org bundle must pass before the device applies it, in one pure function:
 * the signature over the exact bytes served, by a pinned key (or one a pinned key endorsed,
 * within its window), then the bundle's org, version, expiry, schema and tiers. The same
 * function re-verifies the cached bundle at start, so a bundle edited on disk is refused too.
 */

/** Clocks of laptops drift: an `expires` this close in the past still counts as valid. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface VerifyInput {
  /** The body of `GET /v1/fleet/policy` (or the cached copy), not yet trusted in any way. */
  response: unknown;
  /** The keys pinned at enrollment and grown by endorsements since. */
  pinned: readonly SigningKey[];
  /** The org the device enrolled in. */
  org: string;
  /** The highest version this device ever accepted from the org. */
  highest: number;
  /** `newer`: a pulled bundle must raise the version; `current`: the cached one may equal it (the start). */
  accept: 'newer' | 'current';
  /** Tiers the gateway evaluates: the bundle must define each. */
  tiers: readonly string[];
  now: number;
  skewMs?: number;
}

export type VerifyResult =
  | {
      ok: true;
      bundle: PolicyBundle;
      response: PolicyResponse;
      /** The pinned keys plus any the answer's endorsements added: pin these once the bundle applies. */
      keys: SigningKey[];
    }
  /** `version` is what the bundle claims, null when the answer is too broken to say. */
  | { ok: false; version: number | null; error: string };

/** The keys trusted for this answer: the pinned ones, plus endorsed ones, following chains. */
export function trustedKeys(pinned: readonly SigningKey[], endorsements: PolicyResponse['endorsements'], now: number): SigningKey[] {
  const keys = [...pinned];
  for (let grew = true; grew; ) {
    grew = false;
    for (const e of endorsements) {
      if (keys.some((k) => k.key_id === e.key.key_id)) continue;
      const key = verifyEndorsement(e, keys, now);
      if (key !== null) {
        keys.push(key);
        grew = true;
      }
    }
  }
  return keys;
}

export function verifyPolicyResponse(input: VerifyInput): VerifyResult {
  const { now } = input;
  const parsed = PolicyResponseSchema.safeParse(input.response);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const claimed = (input.response as { version?: unknown } | null)?.version;
    return refuse(typeof claimed === 'number' ? claimed : null, `the answer is not a signed bundle (${issue?.path.join('.') || 'body'}: ${issue?.message})`);
  }
  const res = parsed.data;
  const keys = trustedKeys(input.pinned, res.endorsements, now);
  const key = keys.find((k) => k.key_id === res.key_id);
  if (!key) return refuse(res.version, `it is signed with key ${res.key_id}, which is neither pinned nor endorsed by a pinned key`);
  if (isPastEnd(key, now)) return refuse(res.version, `it is signed with key ${res.key_id}, whose window ended at ${key.not_after}`);
  if (!verifyBytes(key.public_key, res.bundle, res.signature)) return refuse(res.version, `its signature does not verify with pinned key ${res.key_id}`);

  let bundle: PolicyBundle;
  try {
    bundle = parsePolicyText(res.bundle, `org bundle v${res.version}`);
  } catch (err) {
    return refuse(res.version, `it does not pass the policy schema (${firstLine((err as Error).message)})`);
  }
  if (bundle.version !== res.version) return refuse(res.version, `the answer says version ${res.version} but the signed bundle says ${bundle.version}`);
  if (bundle.org !== input.org) return refuse(bundle.version, `it is for org "${bundle.org}", and this device is enrolled in "${input.org}"`);
  if (input.accept === 'newer' ? bundle.version <= input.highest : bundle.version < input.highest) {
    return refuse(bundle.version, `its version ${bundle.version} is not above v${input.highest}, the highest this device has accepted (a replay or rollback)`);
  }
  if (bundle.expires === undefined) return refuse(bundle.version, 'it has no expires time, so a stale copy could be served forever');
  if (Date.parse(bundle.expires) + (input.skewMs ?? CLOCK_SKEW_MS) < now) return refuse(bundle.version, `it expired at ${bundle.expires}`);
  for (const tier of input.tiers) {
    if (!(tier in bundle.tiers)) return refuse(bundle.version, `it has no tier "${tier}" (it has ${Object.keys(bundle.tiers).join(', ')}), which this gateway evaluates`);
    try {
      resolveTier(bundle, tier);
    } catch (err) {
      return refuse(bundle.version, `its tier "${tier}" does not resolve (${firstLine((err as Error).message)})`);
    }
  }
  return { ok: true, bundle, response: res, keys };
}

function refuse(version: number | null, why: string): VerifyResult {
  return { ok: false, version, error: `Refused org bundle${version === null ? '' : ` v${version}`}: ${why}.` };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/\.$/, '');
}
