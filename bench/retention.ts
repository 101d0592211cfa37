/**
 * `npx tsx bench/retention.ts`: what a retention sweep costs. Seeds a store with `N` expired
 * conversation turns (sharing their history, as agents do) and 1,000 fresh ones, then:
 * 1. sweeps a copy in batches of 500 as the gateway does, timing each batch: a batch is how
 *    long the importer thread holds the write lock, i.e. the longest a new trace waits to be
 *    indexed (requests never wait: they journal and go on). Reports batch p50/p99/max, the
 *    sweep's total, the file before and after, and integrity_check.
 * 2. serves requests through a running gateway on fresh copies: one where nothing is expired
 *    (its retention clock is set back) for BENCH_QUIET_SECONDS, one sweeping the `N` expired
 *    traces meanwhile (as the gateway does, resting between batches), and the first again;
 *    prints the request latency of the three side by side (the target: p99 within 10%).
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
/** Length of each run without a sweep, before and after the one with it. */
const QUIET_SECONDS = Number(process.env.BENCH_QUIET_SECONDS ?? 30);
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
 * A gateway on a copy of the seeded store, loaded by CLIENTS clients until `until` settles
 * (the sweep) or for `seconds`. `expired`: its retention clock is now, so the seeded traces
 * are 60 days old; otherwise it is 60 days back and nothing is expired.
 */
async function serve(seededFile: string, expired: boolean, run: { sweep: true } | { seconds: number }): Promise<Served & { swept: number }> {
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
    retention: { clock: expired ? Date.now : () => Date.now() - 60 * DAY },
  });
  const url = await listenLoopback(app, 0);
  const latencies: number[] = [];
  let swept = 0;
  let stop = false;
  const t0 = performance.now();
  const client = async () => {
    const c = new Client(url, { keepAliveTimeout: 60_000 });
    try {
      // A short warm-up per client, not counted.
      for (let i = 0; !stop; i++) {
        const s = performance.now();
        const res = await c.request({ method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' }, body: BODY });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
        if (i >= 20) latencies.push(performance.now() - s);
      }
    } finally {
      await c.close();
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  if ('sweep' in run) swept = (await app.retention.sweepNow()).traces;
  else await new Promise((r) => setTimeout(r, run.seconds * 1000));
  stop = true;
  await Promise.all(clients);
  const seconds = (performance.now() - t0) / 1000;
  await app.close();
  drop();
  return { latencies, seconds, swept };
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

  // 2. Requests through a gateway while its importer sweeps (as the gateway does: resting
  // between batches), between two runs of the same without a sweep.
  const step = (what: string) => process.stderr.write(`[bench] ${what}, load average ${loadavg()[0]!.toFixed(1)}\n`);
  step('serving without a sweep');
  const quiet = await serve(file, false, { seconds: QUIET_SECONDS });
  step('serving while sweeping');
  const sweeping = await serve(file, true, { sweep: true });
  step('serving without a sweep again');
  const quietAfter = await serve(file, false, { seconds: QUIET_SECONDS });
  process.stdout.write(`\nRequests through the gateway (demo provider, ${CLIENTS} clients), ms; load average ${loadavg()[0]!.toFixed(1)} at the end\n`);
  process.stdout.write(`  ${'run'.padEnd(22)} ${'requests'.padStart(7)} ${'req/s'.padStart(7)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}\n`);
  process.stdout.write(summary('no sweep', quiet));
  process.stdout.write(summary(`sweeping ${sweeping.swept} (${sweeping.seconds.toFixed(0)} s)`, sweeping));
  process.stdout.write(summary('no sweep, again', quietAfter));
} finally {
  clearInterval(keepAlive);
  cleanup();
  rmSync(`${file}-wal`, { force: true });
}
