/**
 * `npx tsx bench/retention.ts`: what a retention sweep costs. Seeds a store with `N` expired
 * conversation turns (sharing their history, as agents do) and 1,000 fresh ones, then:
 * 1. sweeps a copy in batches of 500 as the gateway does, timing each batch: a batch is how
 *    long the importer thread holds the write lock, i.e. the longest a new trace waits to be
 *    indexed (requests never wait: they journal and go on). Reports batch p50/p99/max, the
 *    sweep's total, the file before and after, and integrity_check.
 * 2. serves requests through a gateway on a fresh copy in alternating windows (BENCH_WINDOW_SECONDS,
 *    5 by default) with and without a sweep running (as the gateway does: resting between
 *    batches, each sweep stopped at its window's end) until the `N` expired traces are gone,
 *    and prints the request latency of both kinds of window side by side (the target: p99
 *    within 10%).
 */
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { ensureHome } from '../local-gateway/core/home.js';
import { uuidv7LowerBound } from '../local-gateway/core/ids.js';
import { buildGateway, listenLoopback } from '../local-gateway/server/app.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { Retention } from '../local-gateway/store/retention.js';
import { makeTrace, tempDir, text } from '../local-gateway/store/testing.js';
import type { Trace } from '../local-gateway/store/schema.js';
import { TraceStore } from '../local-gateway/store/traces.js';

const N = Number(process.env.BENCH_TRACES ?? 100_000);
/** Length of each window of serving, with a sweep or without. */
const WINDOW_SECONDS = Number(process.env.BENCH_WINDOW_SECONDS ?? 5);
const DAY = 86_400_000;
const NOW = Date.now();
let seq = 0;
const id = (ms: number) => `${uuidv7LowerBound(ms).slice(0, -12)}${String(seq++).padStart(12, '0')}`;

function turn(ms: number, i: number): Trace {
  // Conversations of 20 turns: each turn resends the ones before it.
  const conv = Math.floor(i / 20);
  const messages = Array.from({ length: (i % 20) + 1 }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', content: text(conv * 20 + k, 600) }));
  return makeTrace({ id: id(ms), started_at: ms, request_body: { model: 'gpt-4o-mini', messages }, metadata: { team: `t${conv % 7}`, project: `p${conv % 13}` } });
}

/** Concurrent clients while serving, each sending its next request when the last is answered. */
const CLIENTS = 4;
const BODY = JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hello from the retention bench' }] });

interface Served {
  latencies: number[];
  seconds: number;
}

/**
 * One gateway on a copy of the seeded store (its retention clock now, so the seeded traces are
 * 60 days old), loaded by CLIENTS clients throughout, in alternating windows of WINDOW_SECONDS:
 * one without a sweep, one sweeping (a sweep started and, at the window's end, stopped after
 * its current batch), until the sweeps have deleted every expired trace. Each request counts
 * for the window it ended in, so drift in the machine's load hits both alike.
 */
async function interleaved(seededFile: string): Promise<{ quiet: Served; sweeping: Served; swept: number; windows: number }> {
  const { dir, cleanup: drop } = tempDir();
  const paths = ensureHome(dir);
  copyFileSync(seededFile, paths.db);
  const app = await buildGateway({
    config: ConfigSchema.parse({}),
    configFile: null,
    home: dir,
    token: { value: 'bench-token', source: 'env', file: null },
    env: { ...process.env, GATEHOUSE_KEYCHAIN: 'off' },
    logging: false,
  });
  const url = await listenLoopback(app, 0);
  const quiet: Served = { latencies: [], seconds: 0 };
  const sweeping: Served = { latencies: [], seconds: 0 };
  let bucket: Served | null = null;
  let stop = false;
  const client = async () => {
    const c = new Client(url, { keepAliveTimeout: 60_000 });
    try {
      for (;;) {
        const s = performance.now();
        const res = await c.request({ method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' }, body: BODY });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
        if (stop) return;
        // The warm-up (bucket null) is not counted.
        bucket?.latencies.push(performance.now() - s);
      }
    } finally {
      await c.close();
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  await sleep(2000);
  let swept = 0;
  let windows = 0;
  while (swept < N) {
    const q0 = performance.now();
    bucket = quiet;
    await sleep(WINDOW_SECONDS * 1000);
    quiet.seconds += (performance.now() - q0) / 1000;
    const s0 = performance.now();
    bucket = sweeping;
    const sweep = app.retention.sweepNow();
    await Promise.race([sweep, sleep(WINDOW_SECONDS * 1000)]);
    app.store.writer.stopSweeps();
    const r = await sweep;
    sweeping.seconds += (performance.now() - s0) / 1000;
    swept += r.traces;
    windows++;
    if (r.traces === 0) throw new Error(`a sweep deleted nothing with ${N - swept} expired traces left`);
  }
  bucket = quiet;
  await sleep(WINDOW_SECONDS * 1000);
  stop = true;
  await Promise.all(clients);
  await app.close();
  drop();
  return { quiet, sweeping, swept, windows };
}

function summary(name: string, s: Served): string {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return `  ${name.padEnd(22)} ${String(sorted.length).padStart(7)} ${(sorted.length / s.seconds).toFixed(0).padStart(7)} ${at(0.5).toFixed(2).padStart(8)} ${at(0.99).toFixed(2).padStart(8)} ${sorted[sorted.length - 1]!.toFixed(1).padStart(8)}\n`;
}

const { file, cleanup } = tempDir();
// The importer thread is unref'd: while a gateway starts or closes, nothing else may hold the
// event loop, and Node would end the run (exit code 13, no output) with a step still pending.
const keepAlive = setInterval(() => {}, 1000);
try {
  const db = openDatabase(file);
  const store = new TraceStore(db);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) store.insertMany(Array.from({ length: Math.min(1000, N - i) }, (_, k) => turn(NOW - 60 * DAY + (i + k) * 10, i + k)));
  store.insertMany(Array.from({ length: 1000 }, (_, k) => turn(NOW - DAY + k, N + k)));
  db.pragma('wal_checkpoint(TRUNCATE)');
  closeDatabase(db);
  const seeded = statSync(file).size;
  process.stderr.write(`[bench] seeded ${N + 1000} traces in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(seeded / 1048576).toFixed(1)} MiB\n`);

  // 1. The sweep alone, on a copy.
  const work = `${file}.sweep`;
  copyFileSync(file, work);
  const wdb = openDatabase(work);
  const retention = new Retention(wdb);
  const batches: number[] = [];
  let deleted = 0;
  const s0 = performance.now();
  for (;;) {
    const b0 = performance.now();
    const r = retention.batch({ before: NOW - 30 * DAY, maxBytes: null, batch: 500 });
    if (r.traces > 0) retention.vacuum();
    batches.push(performance.now() - b0);
    deleted += r.traces;
    if (r.traces === 0) break;
  }
  const total = performance.now() - s0;
  wdb.pragma('wal_checkpoint(TRUNCATE)');
  const sorted = [...batches].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  process.stdout.write(`\nRetention sweep of ${deleted} expired traces (batches of 500, incremental vacuum after each)\n`);
  process.stdout.write(`  batch    p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms (${batches.length} batches)\n`);
  process.stdout.write(`  sweep    ${(total / 1000).toFixed(2)} s, ${(deleted / (total / 1000)).toFixed(0)} traces/s\n`);
  process.stdout.write(`  file     ${(seeded / 1048576).toFixed(1)} MiB -> ${(statSync(work).size / 1048576).toFixed(1)} MiB, ${new TraceStore(wdb).count()} traces left, integrity_check ${String(wdb.pragma('integrity_check', { simple: true }))}\n`);
  closeDatabase(wdb);
  for (const ext of ['', '-wal', '-shm']) rmSync(work + ext, { force: true });

  // 2. Requests through one gateway, in windows alternating between sweeping (as the gateway does: resting between batches) and not.
  process.stderr.write(`[bench] serving in alternating windows of ${WINDOW_SECONDS} s, load average ${loadavg()[0]!.toFixed(1)}\n`);
  const run = await interleaved(file);
  process.stdout.write(`\nRequests through one gateway (demo provider, ${CLIENTS} clients), ${run.windows} sweeping windows of ${WINDOW_SECONDS} s between windows without; ms; load average ${loadavg()[0]!.toFixed(1)} at the end\n`);
  process.stdout.write(`  ${'windows'.padEnd(22)} ${'requests'.padStart(7)} ${'req/s'.padStart(7)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}\n`);
  process.stdout.write(summary('without a sweep', run.quiet));
  process.stdout.write(summary(`sweeping (${run.swept} in ${run.sweeping.seconds.toFixed(0)} s)`, run.sweeping));
} finally {
  clearInterval(keepAlive);
  cleanup();
  rmSync(`${file}-wal`, { force: true });
}
