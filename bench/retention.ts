/**
 * `npx tsx bench/retention.ts`: what a retention sweep costs the store's writer. Seeds a store
 * with `N` expired conversation turns (sharing their history, as agents do) and 1,000 fresh
 * ones, then sweeps in batches of 500 as the gateway does, timing each batch: a batch is how
 * long the importer thread holds the write lock, i.e. the longest a new trace waits to be
 * indexed (requests never wait: they journal and go on). Reports batch p50/p99/max, the sweep's
 * total, the file before and after, and integrity_check.
 */
import { rmSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { uuidv7LowerBound } from '../local-gateway/core/ids.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { Retention } from '../local-gateway/store/retention.js';
import { makeTrace, tempDir, text } from '../local-gateway/store/testing.js';
import type { Trace } from '../local-gateway/store/schema.js';
import { TraceStore } from '../local-gateway/store/traces.js';

const N = Number(process.env.BENCH_TRACES ?? 100_000);
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

const { file, cleanup } = tempDir();
try {
  const db = openDatabase(file);
  const store = new TraceStore(db);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) store.insertMany(Array.from({ length: Math.min(1000, N - i) }, (_, k) => turn(NOW - 60 * DAY + (i + k) * 10, i + k)));
  store.insertMany(Array.from({ length: 1000 }, (_, k) => turn(NOW - DAY + k, N + k)));
  db.pragma('wal_checkpoint(TRUNCATE)');
  const seeded = statSync(file).size;
  process.stderr.write(`[bench] seeded ${N + 1000} traces in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(seeded / 1048576).toFixed(1)} MiB\n`);

  const retention = new Retention(db);
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
  db.pragma('wal_checkpoint(TRUNCATE)');
  const sorted = [...batches].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  process.stdout.write(`\nRetention sweep of ${deleted} expired traces (batches of 500, incremental vacuum after each)\n`);
  process.stdout.write(`  batch    p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms (${batches.length} batches)\n`);
  process.stdout.write(`  sweep    ${(total / 1000).toFixed(2)} s, ${(deleted / (total / 1000)).toFixed(0)} traces/s\n`);
  process.stdout.write(`  file     ${(seeded / 1048576).toFixed(1)} MiB -> ${(statSync(file).size / 1048576).toFixed(1)} MiB, ${store.count()} traces left, integrity_check ${String(db.pragma('integrity_check', { simple: true }))}\n`);
  closeDatabase(db);
} finally {
  cleanup();
  rmSync(`${file}-wal`, { force: true });
}
