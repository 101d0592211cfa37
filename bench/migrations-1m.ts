/**
 * How long the store's backfilling migrations take on the 1M-trace file of bench/traces-1m.ts,
 * and what the search index costs on disk: migration 7 (blob reference counts) applied again
 * to the file, then migration 9 (the free-text search index, store/search.ts). The upgraded
 * file becomes traces-1m's cached file for the current schema, so `npm run bench:traces`
 * measures search on it without building a million traces again.
 *
 *   npx tsx bench/migrations-1m.ts [--from FILE]   # FILE: a traces-1m store from before migration 9
 */
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { closeDatabase, migrate, openDatabase } from '../local-gateway/store/db.js';
import { MIGRATIONS } from '../local-gateway/store/migrations.js';
import { traces1mFile } from './lib/traces-1m-file.js';

const MiB = 2 ** 20;
const arg = process.argv.indexOf('--from');
const from = arg > 0 ? process.argv[arg + 1]! : traces1mFile(MIGRATIONS.slice(0, 8));
if (!existsSync(from)) {
  console.error(`${from} does not exist: build it with bench/traces-1m.ts on a checkout from before migration 9, or pass --from FILE.`);
  process.exit(2);
}
const target = traces1mFile();
const work = `${target}.partial`;
rmSync(work, { force: true });
copyFileSync(from, work);
console.log(`${from} (${(statSync(from).size / MiB).toFixed(0)} MiB); load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);

// Migration 7 again: its table dropped and its record removed, so the first eight are brought up to date.
const db = openDatabase(work, { migrations: MIGRATIONS.slice(0, 8) });
const refs = db.prepare('SELECT count(*) AS n, sum(refs) AS total FROM blob_refs').get() as { n: number; total: number };
db.exec('DROP TABLE blob_refs; DELETE FROM schema_migrations WHERE version = 7');
let t0 = performance.now();
migrate(db, MIGRATIONS.slice(0, 8));
const m7 = (performance.now() - t0) / 1000;
const again = db.prepare('SELECT count(*) AS n, sum(refs) AS total FROM blob_refs').get() as { n: number; total: number };
console.log(`migration 7 (blob reference counts): ${m7.toFixed(1)} s for ${again.n} blobs (${again.total} references; the insert path had counted ${refs.n} / ${refs.total})`);

db.pragma('wal_checkpoint(TRUNCATE)');
const before = statSync(work).size;
let step = '';
t0 = performance.now();
migrate(db, MIGRATIONS, (p) => {
  if (p.step !== step || p.done === p.total || p.done % 200_000 < 20_000) {
    step = p.step;
    console.error(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: ${p.step} ${p.done} / ${p.total}`);
  }
});
const m9 = (performance.now() - t0) / 1000;
const size = (like: string) => db.prepare<[string], number>('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE ?').pluck().get(like)!;
const traces = db.prepare('SELECT count(*) FROM traces').pluck().get() as number;
const parts = { trace_text: size('trace_text%'), blob_text: size('blob_text%'), blob_traces: size('blob_traces%') };
const free = (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
db.pragma('wal_checkpoint(TRUNCATE)');
closeDatabase(db);
for (const ext of ['-wal', '-shm']) rmSync(work + ext, { force: true });
const after = statSync(work).size;
console.log(`migration 9 (search index): ${m9.toFixed(1)} s for ${traces} traces`);
console.log(`index on disk: trace_text ${(parts.trace_text / MiB).toFixed(0)} MiB, blob_text ${(parts.blob_text / MiB).toFixed(0)} MiB, blob_traces ${(parts.blob_traces / MiB).toFixed(0)} MiB, free pages ${(free / MiB).toFixed(0)} MiB`);
console.log(`file ${(before / MiB).toFixed(0)} MiB → ${(after / MiB).toFixed(0)} MiB (+${(((after - before) / before) * 100).toFixed(0)}%)`);
renameSync(work, target);
console.log(`upgraded file: ${target}`);
