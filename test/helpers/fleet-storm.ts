import { randomBytes } from 'node:crypto';
import { prng } from '../../bench/lib/code-corpus.js';
import { uuidv7 } from '../../local-gateway/core/ids.js';
import { patHash } from '../../sync/central/auth.js';
import { isRetryableStatus, parseRetryAfter, retryWait } from '../../sync/device/retry.js';
import { PATHS, RecordsAckSchema, type RecordsAck, type SyncRecord } from '../../sync/protocol.js';
import type { TestCentral } from './central.js';

/**
 * A fleet coming back at once, simulated from one process: thousands of enrolled device
 * identities, each with a backlog of records, sending it through a bounded pool of
 * connections the way the device's outbox does (batches in seq order, a 429/503 waits its
 * Retry-After, else the full-jitter backoff). Some devices replay a batch the server already
 * acknowledged (same record ids again), and some lose a connection after the server stored a
 * batch but before the ACK was read (the next batch then carries those records again beside
 * new ones). Used by test/central-fleet-storm.test.ts and `bench/central-ingest.ts --storm`.
 */

export const STORM_T0 = Date.UTC(2026, 4, 4, 9);
const DAY = 86_400_000;

export interface StormDevice {
  id: string;
  pat: string;
  user: string;
  team: string;
  backlog: SyncRecord[];
}

/** A device's backlog: `n` records from seq 1, over three days, 0.25 USD each. */
function backlog(user: string, team: string, n: number): SyncRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    record_id: uuidv7(), seq: i + 1, trace_id: `t${i + 1}`, started_at: STORM_T0 + (i % 3) * DAY, duration_ms: 5, api: 'chat.completions', tier: 'prod',
    status: 200, error_code: null, requested_model: 'openai/gpt-4o-mini', resolved_model: 'openai/gpt-4o-mini', provider: 'openai', user, team,
    metadata: { project: `p${i % 4}` }, policy_version: 1,
    usage: { tokens_in: 100, tokens_out: 10, tokens_cached: null, tokens_reasoning: null, cost_usd: 0.25 }, verdicts: [],
  }));
}

/**
 * Enrolls `count` devices, one developer (PAT) each, straight through the central's storage:
 * what POST /v1/admin/pats and /v1/fleet/enroll store, without 4,000 HTTP calls before the storm.
 */
export async function enrollFleet(central: TestCentral, count: number, records: (i: number) => number): Promise<StormDevice[]> {
  const { storage, clock } = central.app.central;
  const devices: StormDevice[] = [];
  const one = async (i: number) => {
    const pat = `gh_pat_${randomBytes(32).toString('base64url')}`;
    const user = `dev${i}`;
    const team = `team${i % 20}`;
    const patId = `pat_${randomBytes(8).toString('hex')}`;
    await storage.createPat({ id: patId, sha256: patHash(pat), user, team, createdAt: clock(), revokedAt: null });
    const id = `dev_${uuidv7(clock())}`;
    await storage.enrollDevice({ id, patId, user, team, hostname: `host${i}`, platform: 'linux', gatehouseVersion: '0.1.0', enrolledAt: clock() });
    devices[i] = { id, pat, user, team, backlog: backlog(user, team, records(i)) };
  };
  // A few at a time: a networked database answers them in parallel.
  for (let i = 0; i < count; i += 16) await Promise.all(Array.from({ length: Math.min(16, count - i) }, (_, k) => one(i + k)));
  return devices;
}

export interface StormOptions {
  /** Connections open at once (a load balancer's, or the fleet's that got through first). */
  concurrency: number;
  /** Records per batch (the outbox's batch size). */
  batchSize: number;
  /** The injected clock's scale: how many real ms a second of Retry-After or backoff takes. */
  secondMs: number;
  /** Whether device `i` replays its first batch after reading its ACK. */
  replays: (i: number) => boolean;
  /** Whether device `i` loses its first ACK (connection cut once the answer starts to arrive). */
  cuts: (i: number) => boolean;
  seed?: number;
}

/**
 * The storm the test and the bench both run: a central taking 8 batches at a time, 32
 * connections, the outbox batching 8 records, a tenth of the devices replaying a batch and
 * a tenth losing an ACK, a second of Retry-After taking 50 ms.
 */
export const FLEET_STORM = {
  devices: 2_000,
  maxIngestInFlight: 8,
  backlog: (i: number) => 1 + (i % 13),
  options: { concurrency: 32, batchSize: 8, secondMs: 50, replays: (i: number) => i % 10 === 3, cuts: (i: number) => i % 10 === 7 } satisfies StormOptions,
};

export interface StormResult {
  records: number;
  /** Requests by status; `cut` counts the answers dropped unread. */
  statuses: Record<string, number>;
  replays: number;
  cuts: number;
  /** ms from send to ACK read, of every batch answered 200 (cut ones to their headers). */
  ingestMs: number[];
  /** ms of every refused (429/503) answer. */
  refusedMs: number[];
  /** Sum over the ACKs that were read. */
  accepted: number;
  duplicates: number;
  /** ACKs that did not say what this device knew the server had (e.g. a replay not counted as duplicates). */
  mismatches: string[];
  elapsedMs: number;
}

/** The p-quantile (0..1) of sorted-or-not ms figures; NaN when empty. */
export function quantile(ms: readonly number[], p: number): number {
  if (ms.length === 0) return Number.NaN;
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/** Runs the storm against one or more replicas (device `i` goes to replica `i % n`, like a load balancer without stickiness). */
export async function runStorm(urls: readonly string[], devices: readonly StormDevice[], opts: StormOptions): Promise<StormResult> {
  const random = prng(opts.seed ?? 21);
  const backoff = { baseMs: 0.5 * opts.secondMs, capMs: 60 * opts.secondMs };
  const r: StormResult = { records: 0, statuses: {}, replays: 0, cuts: 0, ingestMs: [], refusedMs: [], accepted: 0, duplicates: 0, mismatches: [], elapsedMs: 0 };
  const count = (k: string) => (r.statuses[k] = (r.statuses[k] ?? 0) + 1);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Sends a batch until the server takes it; the ACK, or null when `cut` dropped it unread. */
  async function deliver(url: string, d: StormDevice, records: SyncRecord[], cut: boolean): Promise<RecordsAck | null> {
    const body = JSON.stringify({ device_id: d.id, records });
    for (let attempt = 1; ; attempt++) {
      const abort = new AbortController();
      const t = performance.now();
      const res = await fetch(url + PATHS.records, { method: 'POST', headers: { authorization: `Bearer ${d.pat}`, 'content-type': 'application/json' }, body, signal: abort.signal });
      if (res.status === 200 && cut) {
        // The server stored the batch and answered; the connection dies before the ACK is read.
        abort.abort();
        r.ingestMs.push(performance.now() - t);
        count('cut');
        return null;
      }
      const text = await res.text();
      const ms = performance.now() - t;
      count(String(res.status));
      if (res.status === 200) {
        r.ingestMs.push(ms);
        return RecordsAckSchema.parse(JSON.parse(text));
      }
      if (!isRetryableStatus(res.status)) throw new Error(`device ${d.id}: ${res.status} ${text}`);
      r.refusedMs.push(ms);
      // What the device's outbox waits (Retry-After plus its jitter, else the capped full-jitter
      // backoff), with the storm's seconds scaled.
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), 0);
      const wait = retryWait(retryAfter === null ? null : (retryAfter / 1000) * opts.secondMs, attempt, random, backoff);
      await sleep(wait);
    }
  }

  const expect = (d: StormDevice, what: string, ack: RecordsAck, accepted: number, duplicates: number) => {
    if (ack.accepted !== accepted || ack.duplicates !== duplicates || ack.gaps.length > 0) {
      r.mismatches.push(`${d.id} ${what}: accepted ${ack.accepted} duplicates ${ack.duplicates} gaps ${ack.gaps.length}, expected ${accepted}, ${duplicates} and none`);
    }
  };

  async function reconnect(i: number): Promise<void> {
    const d = devices[i]!;
    const url = urls[i % urls.length]!;
    let from = 0;
    let first = true;
    // The outbox sends its oldest unacknowledged records; an unread ACK leaves them unacknowledged.
    let unacked = 0;
    while (from < d.backlog.length) {
      const batch = d.backlog.slice(from, from + unacked + opts.batchSize);
      const cut = first && opts.cuts(i);
      const ack = await deliver(url, d, batch, cut);
      if (ack === null) {
        r.cuts += 1;
        unacked = batch.length;
        first = false;
        continue;
      }
      r.accepted += ack.accepted;
      r.duplicates += ack.duplicates;
      expect(d, 'batch', ack, batch.length - unacked, unacked);
      if (first && opts.replays(i)) {
        // A device that resends an acknowledged batch (it crashed before noting the ACK).
        r.replays += 1;
        const again = await deliver(url, d, batch, false);
        if (again) {
          r.accepted += again.accepted;
          r.duplicates += again.duplicates;
          expect(d, 'replay', again, 0, batch.length);
        }
      }
      first = false;
      from += batch.length;
      unacked = 0;
    }
    r.records += d.backlog.length;
  }

  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, devices.length) }, async () => {
    for (let i = next++; i < devices.length; i = next++) await reconnect(i);
  }));
  r.elapsedMs = performance.now() - start;
  return r;
}
