import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { TEST_PAT, deviceOutbox } from './helpers/outbox.js';
import { waitFor } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/records-receiver.js';

/**
 * The outbox under the faults of the sync protocol: each ends with every trace of the device
 * stored at the receiver exactly once (duplicates sent are deduped, none lost), with real
 * SQLite files and a real HTTP receiver on 127.0.0.1. Waits are injected: nothing sleeps.
 */
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver({ pat: TEST_PAT });
  cleanups.push(() => r.stop());
  return r;
}

/** Every trace delivered once: receiver count equals the device's trace count, no trace twice, seqs 1..N. */
function expectDeliveredOnce(r: Receiver, traceIds: readonly string[]): void {
  const got = [...r.records.values()];
  expect(got).toHaveLength(traceIds.length);
  expect(new Set(got.map((x) => x.trace_id))).toEqual(new Set(traceIds));
  expect(got.map((x) => x.seq).sort((a, b) => a - b)).toEqual(traceIds.map((_, i) => i + 1));
}

describe('outbox faults', () => {
  it('central answering 500: rows kept, error reported, not retried in the drain; the next drain delivers', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 5 });
    r.script.push({ kind: 'status', status: 500 });
    const failed = await d.outbox.drain();
    expect(failed).toMatchObject({ sent: 0, remaining: 5, error: expect.stringContaining('500') as string });
    expect(failed.next_attempt_at).not.toBeNull();
    expect(r.requests).toBe(1);
    expect(d.sleeps).toEqual([]);
    expect(d.outbox.status()).toMatchObject({ depth: 5, last_error: expect.stringContaining('500') as string });
    expect(await d.outbox.drain()).toMatchObject({ sent: 5, remaining: 0, error: null });
    expect(d.outbox.status().last_error).toBeNull();
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it.each([401, 403, 400, 404])('central answering %i stops the drain at once with a clear error', async (status) => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 2 });
    r.script.push({ kind: 'status', status });
    const result = await d.outbox.drain();
    expect(result.error).toContain(String(status));
    expect(result.error).not.toContain(TEST_PAT);
    expect(r.requests).toBe(1);
    expect(await d.outbox.drain()).toMatchObject({ sent: 2, error: null });
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('503 with Retry-After in seconds, and as an HTTP date: the wait is honoured, with jitter on top, then delivered in the same drain', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 3 });
    r.script.push({ kind: 'status', status: 503, headers: { 'retry-after': '7' } });
    // The injected clock starts at 2026-01-01T00:00:00Z and moved 10.5 s with the first wait:
    // 7 s, and random() = 0.5 of 7 s more, so a fleet told the same second spreads out.
    r.script.push({ kind: 'status', status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:19 GMT' } });
    expect(await d.outbox.drain()).toMatchObject({ sent: 3, remaining: 0, error: null });
    expect(d.sleeps).toEqual([10_500, 8_500 + 4_250]);
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('429 and 502 without Retry-After back off exponentially with full jitter; a long Retry-After is left to the background', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 2 });
    r.script.push({ kind: 'status', status: 429 }, { kind: 'status', status: 502 }, { kind: 'status', status: 504 });
    expect(await d.outbox.drain()).toMatchObject({ sent: 2, error: null });
    // random() = 0.5 of 500, 1000, 2000 ms.
    expect(d.sleeps).toEqual([250, 500, 1_000]);
    d.add(1);
    r.script.push({ kind: 'status', status: 503, headers: { 'retry-after': '3600' } });
    const waiting = await d.outbox.drain();
    expect(waiting).toMatchObject({ sent: 0, remaining: 1, error: expect.stringContaining('503') as string });
    // The jitter on a long Retry-After is capped with the backoff (60 s): 0.5 of it.
    expect(Date.parse(waiting.next_attempt_at!)).toBe(Date.UTC(2026, 0, 1) + 1_750 + 3_600_000 + 30_000);
    expect(await d.outbox.drain()).toMatchObject({ sent: 1, error: null });
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('a batch refused as too large (413) is split and sent in halves', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 4, batchSize: 4 });
    r.script.push({ kind: 'status', status: 413 });
    expect(await d.outbox.drain()).toMatchObject({ sent: 4, batches: 2, error: null });
    expect(r.batches.map((b) => b.seqs)).toEqual([[1, 2], [3, 4]]);
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('central timing out: the request is abandoned and retried', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 4, requestTimeoutMs: 200 });
    r.script.push({ kind: 'hang', store: false });
    const result = await d.outbox.drain();
    expect(result).toMatchObject({ sent: 4, error: null });
    expect(d.sleeps).toHaveLength(1);
    expect(r.requests).toBe(2);
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('connection reset mid-batch, after the body was read: retried', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 4 });
    r.script.push({ kind: 'reset', store: false });
    expect(await d.outbox.drain()).toMatchObject({ sent: 4, error: null });
    expect(r.requests).toBe(2);
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('duplicate delivery: the central stored the batch but the ack was lost; the resent batch is deduped', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 6, batchSize: 4 });
    r.script.push({ kind: 'reset', store: true });
    expect(await d.outbox.drain()).toMatchObject({ sent: 6, batches: 2, error: null });
    expect(r.duplicates).toBe(4);
    expect(r.batches.map((b) => b.seqs)).toEqual([[1, 2, 3, 4], [1, 2, 3, 4], [5, 6]]);
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('central killed and restarted: records wait on disk, and go once it is back', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 3, attemptsPerDrain: 3 });
    expect(await d.outbox.drain()).toMatchObject({ sent: 3 });
    await r.stop();
    d.add(4);
    const down = await d.outbox.drain();
    expect(down).toMatchObject({ sent: 0, remaining: 4, error: expect.stringContaining('no answer') as string });
    expect(d.sleeps).toHaveLength(2);
    await r.restart();
    expect(await d.outbox.drain()).toMatchObject({ sent: 4, remaining: 0, error: null });
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('the background loop keeps trying through failures and delivers everything', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 5, batchSize: 2, intervalMs: 10, soonMs: 0, attemptsPerDrain: 1, requestTimeoutMs: 200 });
    r.script.push({ kind: 'status', status: 500 }, { kind: 'reset', store: true }, { kind: 'status', status: 503, headers: { 'retry-after': '1' } }, { kind: 'hang', store: false });
    d.outbox.start();
    await waitFor(() => d.outbox.status().depth === 0 && r.records.size === 5, 'every record delivered', 15_000);
    expectDeliveredOnce(r, d.traces.map((t) => t.id));
  });

  it('device killed with SIGKILL between send and acknowledgement: reopened, everything is delivered once', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 7, batchSize: 1000 });
    const ids = d.traces.map((t) => t.id);
    // The receiver stores the batch and never answers: the device dies waiting for the ack.
    r.script.push({ kind: 'hang', store: true });
    closeDatabase(d.db);
    const script = fileURLToPath(new URL('./helpers/drain-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, d.file, r.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr.on('data', (c: Buffer) => stderr.push(c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await waitFor(() => r.batches.length === 1 || child.exitCode !== null, 'the child to send its batch', 15_000);
    expect(child.exitCode, stderr.join('')).toBeNull();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(r.records.size).toBe(7);

    const db = openDatabase(d.file);
    cleanups.push(() => closeDatabase(db));
    const store = new TraceStore(db);
    // Nothing was acknowledged, so nothing was deleted.
    expect(store.outbox.state().depth).toBe(7);
    const again = deviceOutbox(cleanups, () => r.url, { store });
    expect(await again.outbox.drain()).toMatchObject({ sent: 7, remaining: 0, error: null });
    expect(r.duplicates).toBe(7);
    expectDeliveredOnce(r, ids);
  });
});
