/**
 * `npm run bench:sync`: the records outbox's two targets from the fleet sync issue.
 *
 * 1. Drain: an outbox filled with 100,000 records (traces inserted as the importer does, a
 *    record each) drains to a records endpoint in another process; records/s and total time,
 *    and the receiver's count must equal the records sent with no duplicates. Target: < 30 s.
 * 2. Request path: p50 of small chat requests through two gateways in one run, each its own
 *    process, one with an enrolled device (records written with each trace and drained in the
 *    background), one without. Target: no measurable difference.
 *
 * Writes test-results/bench-sync.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { makeTrace } from '../local-gateway/store/testing.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { createRecordsOutbox } from '../sync/device/outbox-sender.js';
import { sequentialLatency, type Target } from './lib/measure.js';
import { runBench, startChild, stopAll } from './lib/procs.js';
import { runMeta, table, writeResults } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CFG = { records: 100_000, fillBatch: 1000, drainTargetS: 30, latencyN: 1500, latencyWarmup: 200, pat: 'bench-pat-0123456789abcdef' };

const tsxChild = (name: string, script: string, args: string[]) =>
  startChild(name, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });

async function stats(url: string): Promise<{ records: number; duplicates: number; batches: number }> {
  const res = await fetch(`${url}/stats`);
  return (await res.json()) as { records: number; duplicates: number; batches: number };
}

async function drainBench(scratch: string, receiver: string) {
  const db = openDatabase(join(scratch, 'drain.db'));
  try {
    const store = new TraceStore(db);
    store.outbox.setDevice('bench-drain');
    const fillStart = performance.now();
    for (let done = 0; done < CFG.records; done += CFG.fillBatch) store.insertMany(Array.from({ length: CFG.fillBatch }, () => makeTrace()));
    const fillS = (performance.now() - fillStart) / 1000;
    const outbox = createRecordsOutbox({
      store,
      link: () => ({ url: receiver, deviceId: 'bench-drain', pat: async () => CFG.pat }),
      push: () => ({ push: ['usage', 'verdicts'], logging: 'full' }),
    });
    const start = performance.now();
    const result = await outbox.drain();
    const seconds = (performance.now() - start) / 1000;
    await outbox.close();
    const got = await stats(receiver);
    return { fillS, seconds, recordsPerS: result.sent / seconds, result, receiver: got };
  } finally {
    closeDatabase(db);
  }
}

function chatTarget(name: string, origin: string): Target {
  const body = (stream: boolean) => JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], ...(stream ? { stream } : {}) });
  return { name, origin, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' }, body: body(false), streamBody: body(true) };
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-sync-'));
  try {
    const { match: receiver } = await tsxChild('receiver', 'bench/lib/records-receiver-main.ts', [CFG.pat]);
    const drain = await drainBench(scratch, receiver);

    const off = await tsxChild('gateway-off', 'bench/lib/gateway-main.ts', [join(scratch, 'off'), 'off', receiver, CFG.pat]);
    const on = await tsxChild('gateway-on', 'bench/lib/gateway-main.ts', [join(scratch, 'on'), 'on', receiver, CFG.pat]);
    const before = await stats(receiver);
    const lat = await sequentialLatency([chatTarget('outbox off', off.match), chatTarget('outbox on', on.match)], CFG.latencyN, CFG.latencyWarmup);
    const p = (name: string) => lat.get(name)!;
    // Give the background sender its next cycle, then check the enrolled gateway's records arrived.
    const expected = CFG.latencyN + CFG.latencyWarmup;
    const until = Date.now() + 20_000;
    let after = await stats(receiver);
    while (after.records - before.records < expected && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      after = await stats(receiver);
    }
    await stopAll();

    const delivered = after.records - before.records;
    const drainOk = drain.seconds < CFG.drainTargetS && drain.receiver.records === CFG.records && drain.receiver.duplicates === 0;
    const us = (v: number) => `${(v / 1000).toFixed(3)} ms`;
    process.stdout.write(`\nOutbox drain (${CFG.records.toLocaleString('en')} records, batches of 1,000, gzip, receiver in its own process)\n`);
    process.stdout.write(table([
      ['fill (insert traces + records)', 'drain', 'records/s', 'received', 'duplicates', `target < ${CFG.drainTargetS} s`],
      [`${drain.fillS.toFixed(1)} s`, `${drain.seconds.toFixed(2)} s`, Math.round(drain.recordsPerS).toLocaleString('en'), String(drain.receiver.records), String(drain.receiver.duplicates), drainOk ? 'pass' : 'FAIL'],
    ]) + '\n');
    process.stdout.write(`\nRequest path: small chat requests, demo provider, ${CFG.latencyN} interleaved rounds\n`);
    process.stdout.write(table([
      ['gateway', 'p50', 'p99'],
      ['outbox off (not enrolled)', us(p('outbox off').p50), us(p('outbox off').p99)],
      ['outbox on (enrolled, draining)', us(p('outbox on').p50), us(p('outbox on').p99)],
    ]) + '\n');
    process.stdout.write(`records delivered by the enrolled gateway: ${delivered} of ${expected}\n`);
    writeResults(ROOT, 'bench-sync.json', { meta: runMeta(CFG.latencyN), drain, latency: Object.fromEntries(lat), delivered, expected });
    return drainOk && delivered === expected ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

runBench(main);
