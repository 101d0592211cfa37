import type { Logger } from '../../local-gateway/core/log.js';
import type { OutboxBudget } from '../../local-gateway/store/outbox.js';
import type { TraceStore } from '../../local-gateway/store/traces.js';
import type { CentralLink, DrainResult, OutboxStatus, RecordsOutbox, RecordsTransport } from './contracts.js';
import { BodyRedactor } from './record-bodies.js';
import { buildBatch, type PushPolicy } from './records-batch.js';
import { describe, httpTransport } from './records-http.js';
import { backoffDelay, DEFAULT_BACKOFF, retryWait, type Backoff } from './retry.js';

export interface RecordsOutboxOptions {
  /** The trace store: its `outbox`, and its traces for bodies. */
  store: TraceStore;
  /** Where to send and as whom; null while not enrolled (nothing is sent). Ignored when `transport` is given. */
  link?: () => CentralLink | null;
  /** Where batches go instead of over HTTP to `link` (a central replica's own storage). */
  transport?: RecordsTransport;
  /** What the bundle in force asks to push (read at each batch, so a new bundle applies at once). */
  push: () => PushPolicy;
  /** The local config's `sync.outbox`; absent: the budget stored in the database stays (default 200,000, drop_oldest). */
  budget?: OutboxBudget;
  /** Resolves once every trace written so far is stored (the writer's flush), so a drain sends them too. */
  flush?: () => Promise<void>;
  /** Subscribes to "new traces were stored", to drain soon after them. */
  onStored?: (listener: () => void) => void;
  fetch?: typeof fetch;
  clock?: () => number;
  random?: () => number;
  /** Waits between retries; tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
  log?: Logger;
  /** Records per batch (the protocol allows up to 5,000). */
  batchSize?: number;
  /** An answer slower than this counts as no answer, and is retried. */
  requestTimeoutMs?: number;
  /** Attempts at one batch within one drain before it stops and leaves the rest to the next. */
  attemptsPerDrain?: number;
  /** A wait longer than this ends the drain (the background timer waits instead of a caller). */
  maxInlineWaitMs?: number;
  /** Background: how often to drain while records wait, and how soon after new traces. */
  intervalMs?: number;
  soonMs?: number;
  backoff?: Backoff;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The records outbox over the trace store: `drain` sends the oldest waiting records in
 * batches through its transport (gzip over HTTP to the central gateway, unless another is
 * given) and deletes exactly those it acknowledged; the background
 * loop (`start`) drains on a timer and soon after new traces, honouring `Retry-After` and the
 * backoff. Sending never runs on the request path: records are written with their trace, and
 * everything here runs from timers or an explicit `sync now`.
 */
export function createRecordsOutbox(opts: RecordsOutboxOptions): RecordsOutbox {
  const { store, log } = opts;
  const outbox = store.outbox;
  const clock = opts.clock ?? Date.now;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? realSleep;
  const batchSize = opts.batchSize ?? 1000;
  const transport = opts.transport ?? httpTransport({ link: opts.link ?? (() => null), fetch: opts.fetch, clock, timeoutMs: opts.requestTimeoutMs ?? 30_000 });
  const attemptsPerDrain = opts.attemptsPerDrain ?? 5;
  const maxInlineWaitMs = opts.maxInlineWaitMs ?? 60_000;
  const intervalMs = opts.intervalMs ?? 5_000;
  const soonMs = opts.soonMs ?? 1_000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const redactor = new BodyRedactor();
  // Only when given: a second sender over the same store (a bench, a test) leaves it as set.
  if (opts.budget !== undefined) outbox.configure(opts.budget);

  // Per outbox (never module state): two gateways in one process keep their own.
  let running: Promise<DrainResult> | null = null;
  /** Consecutive failed attempts, across drains: the backoff keeps growing until one succeeds. */
  let failures = 0;
  let nextAttemptAt: number | null = null;
  let lastSentAt: string | null = null;
  let lastError: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  /** When `timer` fires (performance.now()), so new traces never push a due drain further out. */
  let dueAt = 0;
  let started = false;
  let ticking = false;
  let closed = false;
  /** Ends the background loop's wait early (see `tick`). */
  let wake: (() => void) | null = null;
  const closing = new AbortController();
  const whenClosed = new Promise<void>((resolve) => closing.signal.addEventListener('abort', () => resolve(), { once: true }));

  function status(): OutboxStatus {
    const s = outbox.state();
    return {
      depth: s.depth,
      oldest_at: outbox.oldestAt(),
      max_records: s.max_records,
      overflow: s.overflow,
      dropped: s.dropped,
      last_seq: s.next_seq - 1,
      last_sent_at: lastSentAt,
      last_error: lastError,
    };
  }

  async function runDrain(): Promise<DrainResult> {
    let sent = 0;
    let batches = 0;
    const done = (error: string | null): DrainResult => {
      if (error !== null) lastError = error;
      return { sent, batches, remaining: outbox.state().depth, error, next_attempt_at: error !== null && nextAttemptAt !== null ? new Date(nextAttemptAt).toISOString() : null };
    };
    const link = transport.open();
    if (link === null) return done(outbox.state().depth > 0 ? transport.idle : null);
    await opts.flush?.();
    // Halved for this drain when the central refuses a batch as too large (records with bodies).
    let size = batchSize;
    for (;;) {
      if (closed) return done('the outbox was closed during the drain');
      const rows = outbox.oldest(link.deviceId, size);
      const dropped = outbox.droppedRanges(100);
      if (rows.length === 0 && dropped.length === 0) {
        lastError = null;
        // A drain someone else ran (sync now, the poller) got through: the background loop
        // need not sit out the rest of a long Retry-After or backoff.
        wake?.();
        return done(null);
      }
      const batch = await buildBatch(link.deviceId, rows, dropped, opts.push(), { trace: (id) => store.get(id), redactor });
      for (let attempt = 1; ; attempt++) {
        const out = await link.send(batch, closing.signal);
        if (out.ok) {
          failures = 0;
          nextAttemptAt = null;
          outbox.acknowledge(link.deviceId, rows.map((r) => r.seq), dropped);
          sent += rows.length;
          batches += 1;
          lastSentAt = new Date(clock()).toISOString();
          if (out.ack.gaps.length > 0) log?.warn('the central gateway reports missing records of this device', { gaps: out.ack.gaps.length });
          break;
        }
        if (out.status === 413 && rows.length > 1) {
          size = Math.ceil(rows.length / 2);
          break;
        }
        failures += 1;
        if (!out.retry) {
          // Not retried now, never given up: the rows stay for the next cycle.
          nextAttemptAt = clock() + backoffDelay(failures, random, backoff);
          log?.warn('could not send records', { err: out.error });
          return done(out.error);
        }
        const wait = retryWait(out.waitMs, failures, random, backoff);
        nextAttemptAt = clock() + wait;
        if (attempt >= attemptsPerDrain || wait > maxInlineWaitMs) {
          log?.warn('could not send records; retrying later', { err: out.error, retry_in_ms: wait });
          return done(out.error);
        }
        lastError = out.error;
        await Promise.race([sleep(wait), whenClosed]);
        if (closed) return done('the outbox was closed during the drain');
      }
    }
  }

  function drain(): Promise<DrainResult> {
    // One drain at a time: a second caller (sync now during a background drain) joins it.
    running ??= runDrain()
      .catch((err: unknown): DrainResult => {
        lastError = `the outbox drain failed: ${describe(err)}`;
        return { sent: 0, batches: 0, remaining: outbox.state().depth, error: lastError, next_attempt_at: null };
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  function schedule(ms: number): void {
    if (closed || !started) return;
    if (timer !== null) clearTimeout(timer);
    dueAt = performance.now() + Math.max(0, ms);
    timer = setTimeout(() => void tick(), Math.max(0, ms));
    // A stopping process must not wait for the next cycle: what waits is on disk.
    timer.unref();
  }

  async function tick(): Promise<void> {
    timer = null;
    ticking = true;
    try {
      // The backoff or Retry-After wait goes through the injected sleep, like waits within a drain.
      const wait = nextAttemptAt === null ? 0 : nextAttemptAt - clock();
      if (wait > 0) await Promise.race([sleep(wait), whenClosed, new Promise<void>((resolve) => (wake = resolve))]);
      wake = null;
      if (!closed) await drain();
    } finally {
      ticking = false;
    }
    schedule(intervalMs);
  }

  opts.onStored?.(() => {
    // Soon after new traces, unless a wait is running (backoff) or a drain is already due sooner.
    if (!started || closed || ticking || running !== null || nextAttemptAt !== null) return;
    // Re-arming a timer that is due sooner would starve the drain under steady traffic (a
    // batch is stored every 100 ms or so): the records would wait until the traffic paused.
    if (timer !== null && dueAt <= performance.now() + soonMs) return;
    schedule(soonMs);
  });

  return {
    setDevice: (deviceId) => outbox.setDevice(deviceId),
    status,
    drain,
    start() {
      if (started || closed) return;
      started = true;
      schedule(soonMs);
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      closing.abort();
      if (running !== null) await running;
    },
  };
}
