import { z } from 'zod';
import type { HomePaths } from '../../local-gateway/core/home.js';
import type { Logger } from '../../local-gateway/core/log.js';
import type { Keychain } from '../../local-gateway/keychain/index.js';
import { DEFAULT_SYNC_INTERVAL_S } from '../../local-gateway/policy/schema.js';
import { LastSyncSchema } from '../../local-gateway/policy/view.js';
import type { StatusReport } from '../protocol.js';
import { CentralError, fetchPolicy, reportStatus, CENTRAL_TIMEOUT_MS } from './client.js';
import type { DrainResult, RecordsOutbox, SyncCycleResult } from './contracts.js';
import { centralLink } from './enrollment.js';
import type { OfferResult, OrgPolicySource } from './org-policy.js';
import { readEnrollment, type Enrollment } from './state.js';

export { createOrgPolicySource, type OrgPolicySource } from './org-policy.js';

/** Polls spread ±10% around the interval, so a fleet woken at once does not poll in step. */
export const JITTER = 0.1;

/** Timers the poller schedules with; tests pass their own and fire them by hand. */
export interface SyncTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DeviceSyncOptions {
  paths: HomePaths;
  policy: OrgPolicySource;
  records: RecordsOutbox;
  keychain: Keychain;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The tier whose `sync.interval_seconds` sets the poll interval. */
  activeTier: string;
  /** The device enrolled or unenrolled since the last cycle (identity follows the new central gateway). */
  onEnrollmentChange?(enrollment: Enrollment | null): void;
  clock?: () => number;
  random?: () => number;
  timers?: SyncTimers;
  timeoutMs?: number;
}

/** The enrollment and the last cycle, as `GET /api/status`, `GET /api/policy` and the dashboard show them. */
export const DeviceSyncStatusSchema = z.object({
  enrollment: z
    .object({
      central_url: z.string(),
      device_id: z.string(),
      org: z.string(),
      user: z.string(),
      team: z.string().nullable(),
      enrolled_at: z.string(),
      pat_source: z.enum(['keychain', 'env']),
      signing_key_ids: z.array(z.string()),
    })
    .nullable(),
  last_sync: LastSyncSchema.nullable(),
  next_sync_at: z.string().nullable(),
  interval_seconds: z.number().int(),
});
export type DeviceSyncStatus = z.infer<typeof DeviceSyncStatusSchema>;

export interface DeviceSync {
  /** One cycle: pull and verify the policy, ACK or NACK it, drain the records outbox. A call during a cycle joins it. */
  runOnce(): Promise<SyncCycleResult>;
  /** Starts polling on the jittered interval. */
  start(): void;
  close(): Promise<void>;
  status(): DeviceSyncStatus;
}

const enrollmentKey = (e: Enrollment | null) => (e === null ? '' : `${e.central_url}|${e.device_id}|${e.enrolled_at}`);

export function createDeviceSync(opts: DeviceSyncOptions): DeviceSync {
  const { paths, policy, records, log } = opts;
  const clock = opts.clock ?? Date.now;
  const random = opts.random ?? Math.random;
  const timers: SyncTimers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  const timeoutMs = opts.timeoutMs ?? CENTRAL_TIMEOUT_MS;
  let enrollment = readEnrollment(paths.enrollment);
  let known = enrollmentKey(enrollment);
  let running: Promise<SyncCycleResult> | null = null;
  let lastSync: DeviceSyncStatus['last_sync'] = null;
  let timer: unknown = null;
  let nextAt: number | null = null;
  let closed = false;
  let started = false;

  /** Follows the enrollment's device id, and says so when records waiting for the old one had to go. */
  const setDevice = (e: Enrollment | null) => {
    const discarded = records.setDevice(e?.device_id ?? null);
    if (discarded > 0) {
      log.warn('records waiting for the previous enrollment were discarded: the central gateway takes them only from the device they were made for', { records: discarded, device: e?.device_id });
    }
  };
  setDevice(enrollment);

  const intervalS = () => policy.current().tiers.get(opts.activeTier)?.sync.interval_seconds ?? DEFAULT_SYNC_INTERVAL_S;

  /** `enroll` and `unenroll` change the file from another process; each cycle picks that up. */
  const followEnrollment = () => {
    const onDisk = readEnrollment(paths.enrollment);
    if (enrollmentKey(onDisk) === known) {
      enrollment = onDisk;
      return;
    }
    enrollment = onDisk;
    known = enrollmentKey(onDisk);
    log.info(onDisk ? 'enrolled' : 'unenrolled', onDisk ? { central: onDisk.central_url, device: onDisk.device_id, org: onDisk.org } : {});
    policy.setEnrollment(onDisk);
    setDevice(onDisk);
    opts.onEnrollmentChange?.(onDisk);
  };

  const idle = (): DrainResult => ({ sent: 0, batches: 0, remaining: records.status().depth, error: null, next_attempt_at: null });

  async function send(report: StatusReport, e: Enrollment): Promise<string | null> {
    try {
      await reportStatus(centralLink(e, opts.keychain, opts.env), report, timeoutMs);
      return null;
    } catch (err) {
      log.warn('could not report the policy status to the central gateway', { err: (err as Error).message });
      return `the status report failed: ${(err as Error).message}`;
    }
  }

  async function pull(e: Enrollment): Promise<OfferResult | { outcome: 'error'; version: number | null; error: string }> {
    try {
      const answer = await fetchPolicy(centralLink(e, opts.keychain, opts.env), policy.etag(), timeoutMs);
      if (answer.status === 304) return { outcome: 'unchanged', version: policy.version() ?? 0 };
      // Not JSON: refused (and NACKed) like any other answer that is not a signed bundle.
      if (answer.status === 'unreadable') return policy.offer(null, null);
      return policy.offer(answer.body, answer.etag);
    } catch (err) {
      const message = err instanceof CentralError ? err.message : `The policy pull failed: ${(err as Error).message}`;
      return { outcome: 'error', version: policy.version(), error: message };
    }
  }

  async function cycle(): Promise<SyncCycleResult> {
    followEnrollment();
    const e = enrollment;
    const at = () => new Date(clock()).toISOString();
    if (e === null) return { enrolled: false, policy: { outcome: 'skipped', version: null, error: null }, records: idle(), at: at() };

    const problems: string[] = [];
    // A refusal found outside a pull (the cached bundle at start) is NACKed before anything else.
    const earlier = policy.takeUnreported();
    if (earlier) {
      const failed = await send({ device_id: e.device_id, rejected_version: earlier.version, error: earlier.error }, e);
      if (failed) problems.push(failed);
    }
    const result = await pull(e);
    if (result.outcome !== 'error') {
      const refused = policy.takeUnreported();
      const report: StatusReport =
        result.outcome === 'rejected'
          ? { device_id: e.device_id, rejected_version: refused?.version ?? result.version, error: (refused?.error ?? result.error).slice(0, 2000) }
          : { device_id: e.device_id, applied_version: result.version };
      // 304 and unchanged are ACKed too: the ACK is the heartbeat the fleet view's STALE state reads.
      const failed = await send(report, e);
      if (failed) problems.push(failed);
    }
    const drained = await records.drain();
    const error = 'error' in result ? result.error : null;
    const outcome = { outcome: result.outcome, version: result.version === 0 ? null : result.version, error: [error, ...problems].filter(Boolean).join(' ') || null };
    const done: SyncCycleResult = { enrolled: true, policy: outcome, records: drained, at: at() };
    lastSync = { at: done.at, outcome: outcome.outcome, version: policy.version(), error: outcome.error };
    return done;
  }

  const schedule = () => {
    if (closed) return;
    const ms = Math.round(intervalS() * 1000 * (1 + (random() * 2 - 1) * JITTER));
    nextAt = clock() + ms;
    timer = timers.setTimeout(() => {
      timer = null;
      void runOnce().finally(schedule);
    }, ms);
  };

  function runOnce(): Promise<SyncCycleResult> {
    running ??= cycle()
      .catch((err: unknown): SyncCycleResult => {
        log.error('sync cycle failed', { err: (err as Error).message });
        return { enrolled: enrollment !== null, policy: { outcome: 'error', version: policy.version(), error: (err as Error).message }, records: idle(), at: new Date(clock()).toISOString() };
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    runOnce,
    start() {
      if (!started && !closed) {
        started = true;
        // The first cycle runs at once: a start after days offline picks up the newest policy without waiting an interval.
        void runOnce().finally(schedule);
      }
    },
    async close() {
      closed = true;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      await running;
    },
    status: () => ({
      enrollment: enrollment && {
        central_url: enrollment.central_url,
        device_id: enrollment.device_id,
        org: enrollment.org,
        user: enrollment.user,
        team: enrollment.team,
        enrolled_at: enrollment.enrolled_at,
        pat_source: enrollment.pat_source,
        signing_key_ids: enrollment.signing_keys.map((k) => k.key_id),
      },
      last_sync: lastSync,
      next_sync_at: nextAt === null || closed ? null : new Date(nextAt).toISOString(),
      interval_seconds: intervalS(),
    }),
  };
}
