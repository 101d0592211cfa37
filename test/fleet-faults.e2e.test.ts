import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncCycleResult, SyncStatus } from '../local-gateway/admin/schemas.js';
import type { TracePage } from '../local-gateway/store/schema.js';
import { FleetViewSchema, PATHS, RecordsPageSchema, type FleetView } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { bundleText } from './helpers/bundles.js';
import { killHard, runCliAsync, spawnCentral, spawnGateway, type RunningCentral, type RunningGateway } from './helpers/cli.js';
import { startFaultProxy, type FaultProxy, type RecordsFault } from './helpers/fault-proxy.js';
import { waitFor } from './helpers/gateway.js';

/**
 * The faults of the sync protocol with every part real and in its own process: the central
 * gateway (`gatehouse central start`, SQLite in its home) behind a fault-injecting proxy, the
 * device (`gatehouse start`, enrolled with `gatehouse enroll`), requests to its `demo`
 * provider, and `gatehouse sync now`. Each fault ends with the central's records for the
 * device equal to the device's traces, with no record id and no trace id twice, and no gap.
 */

const ADMIN = 'gh_admin_fleet_e2e_token_0123456789abcdef';
const TOKEN = 'gh_local_fleet_e2e_token_0123456789';
const CENTRAL_ENV = { GATEHOUSE_ADMIN_TOKEN: ADMIN, GATEHOUSE_SIGNING_KEY: generateSigningKey().seed };
/** A held batch counts as unanswered after this (the device's `sync.send_timeout_ms`); long enough that a real answer on a busy machine is never cut off. */
const SEND_TIMEOUT_MS = 2000;
const DEADLINE_MS = 20_000;
/** Records wait while requests run: a drain meets this and leaves them for the next `sync now`. */
const BLOCK: RecordsFault = { kind: 'status', status: 503, headers: { 'retry-after': '3600' } };

let centralHome: string;
let deviceHome: string;
let central: RunningCentral;
let proxy: FaultProxy;
let device: RunningGateway;
let pat: string;
let deviceId: string;
/** Traces the device has stored so far (each has its outbox record, written in the same transaction). */
let total = 0;

const startCentralProcess = (port: number) => spawnCentral(['--home', centralHome, '--port', String(port), '--org', 'acme'], CENTRAL_ENV);
const startDevice = () => spawnGateway(['--home', deviceHome], { GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_PAT: pat });
const admin = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(central.url + path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers as Record<string, string> | undefined) } });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return res.json() as Promise<unknown>;
};
const cli = (args: string[]) => runCliAsync([...args, '--home', deviceHome], { GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_PAT: pat });

/** `gatehouse sync now --json`; null when the command failed (the device died under it). */
async function syncNow(): Promise<SyncCycleResult | null> {
  const r = await cli(['sync', 'now', '--json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as SyncCycleResult) : null;
}

async function outbox(): Promise<SyncStatus['outbox']> {
  const res = await fetch(`${device.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { sync: SyncStatus }).sync.outbox;
}

/** `n` chat requests through the device to its demo provider, 8 at a time; each is traced. */
async function traffic(n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${device.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-gatehouse-metadata': JSON.stringify({ team: 'platform' }) },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: `request ${i}` }] }),
      });
      const text = await res.text();
      expect(res.status, text).toBe(200);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Every trace id the device stored, paged. */
async function deviceTraces(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/api/traces?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = (await (await fetch(device.url + q, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as TracePage;
    ids.push(...page.traces.map((t) => t.id));
    cursor = page.next_cursor;
  } while (cursor !== null);
  return ids;
}

/** Every record the central stored for the device, paged. */
async function centralRecords() {
  const records = [];
  let cursor: string | null = null;
  do {
    const page = RecordsPageSchema.parse(await admin(`${PATHS.adminRecords}?device=${deviceId}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
    records.push(...page.records);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return records;
}

/** Runs `sync now` until the outbox is empty (a drain that ran into the fault's tail ends early). */
async function drained(): Promise<void> {
  await waitFor(async () => {
    const r = await syncNow();
    return r !== null && r.records.remaining === 0 && r.records.error === null;
  }, 'the outbox to drain', DEADLINE_MS);
}

/** The central holds exactly the device's traces: same count, no record id or trace id twice, seqs 1..N, no gap. */
async function expectExactlyOnce(): Promise<number> {
  const [records, traces] = [await centralRecords(), await deviceTraces()];
  expect(records.length).toBe(traces.length);
  expect(new Set(records.map((r) => r.record_id)).size).toBe(records.length);
  expect(new Set(records.map((r) => r.trace_id)).size).toBe(records.length);
  expect(new Set(traces).size).toBe(traces.length);
  expect(new Set(records.map((r) => r.trace_id))).toEqual(new Set(traces));
  expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(traces.map((_, i) => i + 1));
  const fleet: FleetView = FleetViewSchema.parse(await admin(PATHS.adminFleet));
  expect(fleet.devices.find((d) => d.device_id === deviceId)).toMatchObject({ records: traces.length, gaps: [] });
  expect((await outbox()).depth).toBe(0);
  return traces.length;
}

beforeAll(async () => {
  centralHome = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-central-'));
  deviceHome = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-device-'));
  central = await startCentralProcess(0);
  pat = ((await admin(PATHS.adminPats, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'ada', team: 'platform' }) })) as { pat: string }).pat;
  await admin(PATHS.adminPolicies, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: bundleText({ version: 0, intervalSeconds: 86_400 }) });
  proxy = await startFaultProxy(central.url);
  writeFileSync(join(deviceHome, 'gatehouse.yaml'), `sync:\n  send_timeout_ms: ${SEND_TIMEOUT_MS}\n`);
  device = await startDevice();
  const enrolled = await cli(['enroll', '--central', proxy.url, '--json']);
  expect(enrolled.stderr).toBe('');
  deviceId = (JSON.parse(enrolled.stdout) as { device_id: string }).device_id;
  // The background drain meets BLOCK and sits out its hour, until a drain gets through.
  proxy.fault(BLOCK);
  await traffic(1);
  total = 1;
  await waitFor(() => proxy.faulted.status >= 1, 'the background drain to meet the block', DEADLINE_MS);
}, 30_000);

afterAll(async () => {
  if (device) await killHard(device.child);
  if (central) await killHard(central.child);
  await proxy?.close();
  for (const dir of [centralHome, deviceHome]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Sends `n` requests through the device with records blocked, waits until their traces are
 * stored and the background drain has met the block (it then waits an hour, unless a drain
 * gets through), then puts the fault on and starts a `sync now` that meets it: the batches
 * the fault sees are the same on every run, whenever the background would have fired.
 */
async function underFault(fault: RecordsFault, n: number, passFirst = 0) {
  proxy.fault(BLOCK);
  await traffic(n);
  total += n;
  await waitFor(async () => (await deviceTraces()).length === total, `${total} traces to be stored`, DEADLINE_MS);
  await waitFor(async () => /answered 503/.test((await outbox()).last_error ?? ''), 'the background drain to meet the block', DEADLINE_MS);
  const before = proxy.faulted[fault.kind];
  proxy.fault(fault, passFirst);
  const cycle = syncNow();
  const seen = () => proxy.faulted[fault.kind] - before;
  return { cycle, seen, met: (times: number) => waitFor(() => seen() >= times, `${times} batches to meet ${fault.kind}`, DEADLINE_MS) };
}

// Each test waits on processes and CLI runs; on a loaded machine that takes longer than the default 20 s.
describe('fleet sync faults, every part a real process', { timeout: 60_000 }, () => {
  it('central answering 500: the drain stops with the reason, nothing is lost; fault off, everything arrives once', async () => {
    const { cycle, seen } = await underFault({ kind: 'status', status: 500 }, 20);
    const r = (await cycle)!;
    // Not retried within the drain: a 500 is not one of 429/502/503/504.
    expect(seen()).toBe(1);
    expect(r.records.error).toMatch(/answered 500/);
    expect(r.records.remaining).toBe(21);
    expect((await outbox()).last_error).toMatch(/answered 500/);
    proxy.fault(null);
    await drained();
    expect(await expectExactlyOnce()).toBe(21);
  });

  it('503 with Retry-After: the wait is honoured (no retry before it), then delivered once', async () => {
    const { cycle, seen } = await underFault({ kind: 'status', status: 503, headers: { 'retry-after': '3600' } }, 20);
    const r = (await cycle)!;
    expect(seen()).toBe(1);
    expect(r.records.error).toMatch(/answered 503/);
    expect(r.records.remaining).toBe(20);
    // An hour is longer than a drain waits inline: the next attempt is put an hour on.
    expect(Date.parse(r.records.next_attempt_at!) - Date.parse(r.at)).toBeGreaterThanOrEqual(3_500_000);
    proxy.fault(null);
    await drained();
    expect(await expectExactlyOnce()).toBe(41);
  });

  it('central timing out: the held batch is abandoned and retried; fault off, delivered once', async () => {
    const { cycle, met } = await underFault({ kind: 'hold' }, 20);
    await met(2);
    expect((await outbox()).last_error).toMatch(/timed out/);
    proxy.fault(null);
    const r = await cycle;
    if (r?.records.error) expect(r.records.error).toMatch(/timed out/);
    await drained();
    expect(await expectExactlyOnce()).toBe(61);
  });

  it('connection reset mid-batch after half the body: the central stores nothing of it; retried, delivered once', async () => {
    const stored = (await centralRecords()).length;
    const { cycle, met } = await underFault({ kind: 'reset' }, 20);
    await met(2);
    expect((await outbox()).last_error).toMatch(/no answer|cut off/);
    expect((await centralRecords()).length).toBe(stored);
    proxy.fault(null);
    await cycle;
    await drained();
    expect(await expectExactlyOnce()).toBe(81);
  });

  it('duplicate delivery: the central stored the batch, the answer was lost; the resent batch is deduped', async () => {
    const acked = proxy.acks.length;
    const { cycle, met } = await underFault({ kind: 'drop-answer' }, 20);
    await met(1);
    await waitFor(async () => (await centralRecords()).length === 101, 'the central to store the batch');
    expect((await outbox()).depth).toBe(20);
    proxy.fault(null);
    await cycle;
    await drained();
    const seen = proxy.acks.slice(acked);
    expect(seen.filter((a) => !a.delivered)[0]!.ack).toMatchObject({ accepted: 20, duplicates: 0 });
    expect(seen.filter((a) => a.delivered).at(-1)!.ack).toMatchObject({ accepted: 0, duplicates: 20 });
    expect(await expectExactlyOnce()).toBe(101);
  });

  it('central SIGKILLed mid-backlog after storing a batch it never answered, restarted on the same home and port', async () => {
    const acked = proxy.acks.length;
    // The first batch of the backlog goes through; the central stores the second and is killed before its answer is out.
    const { cycle } = await underFault({ kind: 'hold-answer' }, 1100, 1);
    await waitFor(() => proxy.held() === 1, 'the second batch to be stored and its answer held', DEADLINE_MS);
    expect(proxy.acks.slice(acked).map((a) => [a.ack.accepted, a.delivered])).toEqual([[1000, true], [100, false]]);
    await killHard(central.child);
    proxy.fault(null);
    const down = await cycle;
    expect(down?.records.error).toMatch(/no answer|timed out|cut off/);
    expect(down?.records.remaining).toBe(100);
    central = await startCentralProcess(central.port);
    await drained();
    expect(proxy.acks.filter((a) => a.delivered).at(-1)!.ack).toMatchObject({ accepted: 0, duplicates: 100 });
    expect(await expectExactlyOnce()).toBe(1201);
  });

  it('device SIGKILLed between send and acknowledgement, restarted on the same home: nothing lost, nothing twice', async () => {
    const { cycle } = await underFault({ kind: 'hold-answer' }, 30);
    await waitFor(() => proxy.held() === 1, 'the batch to be stored and its answer held', DEADLINE_MS);
    expect((await centralRecords()).length).toBe(1231);
    await killHard(device.child);
    expect(await cycle).toBeNull();
    proxy.fault(null);
    device = await startDevice();
    await drained();
    expect(proxy.acks.filter((a) => a.delivered).at(-1)!.ack).toMatchObject({ accepted: 0, duplicates: 30 });
    expect(await expectExactlyOnce()).toBe(1231);
  });
});
