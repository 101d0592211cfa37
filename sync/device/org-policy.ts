import type { HomePaths } from '../../local-gateway/core/home.js';
import type { Logger } from '../../local-gateway/core/log.js';
import { activePolicy, type ActivePolicy, type PolicyLoadError, type PolicySource } from '../../local-gateway/policy/source.js';
import { PATHS } from '../protocol.js';
import { highestAccepted, OrgPolicyCacheSchema, readState, recordAccepted, removeState, writeState, type Enrollment, type OrgPolicyCache } from './state.js';
import { verifyPolicyResponse } from './verify.js';

/** What offering a pulled answer to the source did. */
export type OfferResult =
  | { outcome: 'applied'; version: number }
  | { outcome: 'unchanged'; version: number }
  | { outcome: 'rejected'; version: number | null; error: string };

/**
 * The org's signed bundle as a policy source, layered over the local one (the `policy:` file
 * or the built-in tier). While the device is enrolled and holds a bundle that verified, that
 * bundle is in force; otherwise the local source is. Nothing unverified is ever in force: the
 * cached copy in `<home>/org-policy.json` is verified again at start, exactly as a pulled one.
 */
export interface OrgPolicySource extends PolicySource {
  /** Verifies a `GET /v1/fleet/policy` body and, if it holds, activates it in one assignment. */
  offer(response: unknown, etag: string | null): OfferResult;
  /** The device enrolled (load and verify its cached bundle) or unenrolled (null: the local policy again). */
  setEnrollment(enrollment: Enrollment | null): void;
  /** The ETag of the bundle in force, for `If-None-Match`; null when none is. */
  etag(): string | null;
  /** The org bundle's version in force; null when the local policy is. */
  version(): number | null;
  /** A refusal not yet reported to the central gateway (NACK), e.g. a cached bundle edited on disk. */
  takeUnreported(): { version: number | null; error: string } | null;
}

export interface OrgPolicyOptions {
  paths: HomePaths;
  /** The `policy:` file or the built-in tier: in force while no org bundle is. */
  fallback: PolicySource;
  tiers: readonly string[];
  enrollment: Enrollment | null;
  log: Logger;
  clock?: () => number;
}

interface InForce {
  policy: ActivePolicy;
  cache: OrgPolicyCache;
}

export function createOrgPolicySource(opts: OrgPolicyOptions): OrgPolicySource {
  const { paths, fallback, tiers, log } = opts;
  const clock = opts.clock ?? Date.now;
  let enrollment = opts.enrollment;
  let org: InForce | null = null;
  let lastError: PolicyLoadError | null = null;
  let unreported: { version: number | null; error: string } | null = null;
  const listeners: ((p: ActivePolicy) => void)[] = [];
  const errorListeners: ((e: PolicyLoadError | null) => void)[] = [];
  // A refused edit of the local file matters only while that file is in force.
  fallback.onLastError?.((e) => {
    if (org === null) for (const listener of errorListeners) listener(e);
  });

  const current = () => org?.policy ?? fallback.current();
  const notify = () => {
    const p = current();
    for (const listener of listeners) {
      try {
        listener(p);
      } catch (err) {
        log.error('a policy change listener failed', { err: (err as Error).message });
      }
    }
  };
  fallback.onChange(() => {
    if (org === null) notify();
  });

  /** What stays in force after a refusal, for the one sentence that reports it. */
  const keptNote = () => {
    if (org !== null) return `the last good policy (v${org.cache.version}) stays in force`;
    const f = fallback.current();
    return f.source === 'file' ? `the local policy file ${f.file} is in force` : 'the built-in permissive tier is in force';
  };

  const refuse = (file: string, version: number | null, error: string): OfferResult => {
    const message = `${error.replace(/\.$/, '')}; ${keptNote()}.`;
    lastError = { file, message, at: clock() };
    for (const listener of errorListeners) listener(lastError);
    unreported = { version, error: message };
    log.warn('org policy refused', { file, error: message });
    return { outcome: 'rejected', version, error: message };
  };

  const activate = (cache: OrgPolicyCache, policy: ActivePolicy) => {
    org = { policy, cache };
    lastError = null;
    notify();
  };

  /** Verifies the cached bundle of this enrollment; a copy that fails is refused and removed from force. */
  const loadCache = (e: Enrollment) => {
    const read = readState(paths.orgPolicy, OrgPolicyCacheSchema);
    if (read.value === null) {
      if (read.error !== null) refuse(paths.orgPolicy, null, `Refused the cached org bundle: ${read.error}`);
      return;
    }
    const cache = read.value;
    const r = verifyPolicyResponse({
      response: { bundle: cache.bundle, signature: cache.signature, key_id: cache.key_id, version: cache.version },
      pinned: e.signing_keys,
      org: e.org,
      highest: highestAccepted(paths.policyState, e.org),
      accept: 'current',
      tiers,
      now: clock(),
    });
    if (!r.ok) {
      refuse(paths.orgPolicy, r.version, `${r.error.replace(/^Refused org bundle/, 'Refused the cached org bundle')} (${paths.orgPolicy} was changed on disk or has expired)`);
      return;
    }
    activate(cache, activePolicy(r.bundle, tiers, 'org', null));
    log.info('org policy in force', { org: e.org, version: cache.version });
  };

  if (enrollment !== null) loadCache(enrollment);

  return {
    current,
    onChange: (listener) => void listeners.push(listener),
    lastError: () => lastError ?? (org === null ? (fallback.lastError?.() ?? null) : null),
    onLastError: (listener) => void errorListeners.push(listener),
    close: () => fallback.close(),
    etag: () => org?.cache.etag ?? null,
    version: () => org?.cache.version ?? null,
    takeUnreported() {
      const u = unreported;
      unreported = null;
      return u;
    },

    setEnrollment(next) {
      const was = org;
      enrollment = next;
      org = null;
      lastError = null;
      unreported = null;
      if (next !== null) loadCache(next);
      if (was !== null && org === null) notify();
    },

    offer(response, etag) {
      if (enrollment === null) return { outcome: 'rejected', version: null, error: 'This device is not enrolled: run `gatehouse enroll --central URL`.' };
      const e = enrollment;
      const source = `${e.central_url}${PATHS.policy}`;
      const claimed = response as Partial<Record<'bundle' | 'version', unknown>> | null;
      if (org !== null && claimed?.bundle === org.cache.bundle) return { outcome: 'unchanged', version: org.cache.version };
      const r = verifyPolicyResponse({
        response,
        pinned: e.signing_keys,
        org: e.org,
        highest: highestAccepted(paths.policyState, e.org),
        // With nothing of the org in force (its cache was refused at start), the same version may come back.
        accept: org === null ? 'current' : 'newer',
        tiers,
        now: clock(),
      });
      if (!r.ok) return refuse(source, r.version, r.error);
      const cache: OrgPolicyCache = {
        org: e.org,
        version: r.bundle.version,
        bundle: r.response.bundle,
        signature: r.response.signature,
        key_id: r.response.key_id,
        etag,
        applied_at: new Date(clock()).toISOString(),
      };
      const policy = activePolicy(r.bundle, tiers, 'org', null);
      // Persisted before it is in force: a crash right after never leaves a device running a version it would refuse at start.
      recordAccepted(paths.policyState, e.org, r.bundle.version);
      writeState(paths.orgPolicy, cache);
      if (r.keys.length > e.signing_keys.length) {
        enrollment = { ...e, signing_keys: r.keys };
        writeState(paths.enrollment, enrollment);
        log.info('pinned signing keys endorsed by a pinned key', { keys: r.keys.map((k) => k.key_id) });
      }
      unreported = null;
      activate(cache, policy);
      log.info('org policy applied', { org: e.org, version: cache.version });
      return { outcome: 'applied', version: cache.version };
    },
  };
}

/** Unenrolling forgets the org's cached bundle (the highest version stays: see state.ts). */
export function forgetOrgPolicy(paths: HomePaths): void {
  removeState(paths.orgPolicy);
}
