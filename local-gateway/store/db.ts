import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import type { BackfillStep, Migration } from './migrations.js';

export type { SqliteDatabase as Database };

/**
 * 1 KiB pages, not SQLite's 4 KiB default. Most blobs are messages of 0.5–4 KiB: with 4 KiB
 * pages a page holds one or two of them and the leftover space is wasted (measured: 1.9× the
 * content for a 50-turn conversation), while with 1 KiB pages a large row spills into full
 * overflow pages (1.4×). The cost is deeper B-trees: list queries measured the same, free-text
 * search over 50k traces ~1.7× slower.
 */
const DEFAULT_PAGE_SIZE = 1024;

export interface OpenDatabaseOptions {
  /** The schema history to apply; tests pass their own. Defaults to the store's. */
  migrations?: readonly Migration[];
  /** Page size for a new file (ignored for an existing one). */
  pageSize?: number;
  /** Told how a migration's backfill is going (after each range of rows), so a long one is not taken for a hang. */
  onProgress?: (p: MigrationProgress) => void;
}

/** Where a migration's backfill is: `done` of `total` row ids of its current step. */
export interface MigrationProgress {
  version: number;
  step: string;
  done: number;
  total: number;
}

/** Row ids per backfill statement: small enough to report often, large enough to cost little per call. */
const BACKFILL_RANGE = 20_000;

/**
 * Opens (creating if needed) the gateway's SQLite file and brings its schema up to date.
 *
 * WAL with `synchronous=NORMAL`: a committed transaction is in the WAL file when the call
 * returns, so killing the process loses nothing; only an OS crash or power cut can lose
 * the last commits, which is the right trade for traces on the request hot path.
 */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): SqliteDatabase {
  const db = new Database(file);
  try {
    // Must be set before WAL mode is entered; a no-op once the file has pages.
    db.pragma(`page_size = ${opts.pageSize ?? DEFAULT_PAGE_SIZE}`);
    // Must be set before the first table is created (a no-op on an older file): retention
    // then gives freed pages back to the file system with `incremental_vacuum`.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The desktop app, the CLI and the gateway may share the file; wait rather than fail.
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // Keep a WAL that grew during a burst from staying large on disk.
    db.pragma('journal_size_limit = 67108864');
    // SQLite checkpoints (copies the WAL into the file and fsyncs) every 1,000 pages by default:
    // with 1 KiB pages that is every 1 MiB, a stall every few hundred requests. Every 16 MiB instead.
    db.pragma('wal_autocheckpoint = 16384');
    migrate(db, opts.migrations ?? MIGRATIONS, opts.onProgress);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Lets SQLite refresh its planner statistics, then closes the connection. */
export function closeDatabase(db: SqliteDatabase): void {
  if (!db.open) return;
  db.pragma('optimize');
  db.close();
}

/** sha256 of a migration's SQL (its backfill's too), as recorded in `schema_migrations`. */
export function migrationHash(m: Migration): string {
  const h = createHash('sha256').update(m.sql);
  for (const step of m.backfill ?? []) h.update('\u0000').update(step.over).update('\u0000').update(step.sql);
  return h.digest('hex');
}

interface AppliedRow {
  version: number;
  name: string;
  sha256: string;
}

/**
 * Applies the pending migrations, each in its own transaction, after checking that every
 * applied one is unchanged. Throws before touching the schema if the history differs.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[], onProgress?: (p: MigrationProgress) => void): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  checkOrder(migrations);
  const applied = db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as AppliedRow[];
  verifyApplied(applied, migrations);
  const done = new Set(applied.map((a) => a.version));
  const record = db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)');
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      for (const step of m.backfill ?? []) backfill(db, m.version, step, onProgress);
      record.run(m.version, m.name, migrationHash(m), Date.now());
    }).immediate();
  }
}

/** Runs one backfill step over its table's row ids, a range at a time. */
function backfill(db: SqliteDatabase, version: number, step: BackfillStep, onProgress?: (p: MigrationProgress) => void): void {
  const key = step.over === 'traces' ? 'seq' : 'id';
  const span = db.prepare(`SELECT min(${key}) AS lo, max(${key}) AS hi FROM ${step.over}`).get() as { lo: number | null; hi: number | null };
  if (span.lo === null || span.hi === null) return;
  const run = db.prepare<{ lo: number; hi: number }>(step.sql);
  const total = span.hi - span.lo + 1;
  for (let lo = span.lo; lo <= span.hi; lo += BACKFILL_RANGE) {
    run.run({ lo, hi: lo + BACKFILL_RANGE });
    onProgress?.({ version, step: step.label, done: Math.min(total, lo + BACKFILL_RANGE - span.lo), total });
  }
}

export function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`Migration "${m.name}" has version ${m.version} but is number ${i + 1} in the list: versions must be consecutive from 1.`);
    }
  });
}

export function verifyApplied(applied: readonly AppliedRow[], migrations: readonly Migration[]): void {
  for (const row of applied) {
    const m = migrations[row.version - 1];
    if (m === undefined) {
      throw new Error(`The database has migration ${row.version} ("${row.name}") which this version of Gatehouse does not know: it was written by a newer Gatehouse. Upgrade Gatehouse or use another home directory.`);
    }
    if (migrationHash(m) !== row.sha256) {
      throw new Error(`Migration ${m.version} ("${m.name}") was changed after it was applied to this database (sha256 differs). Applied migrations must not be edited: restore its SQL and add a new migration for the change.`);
    }
  }
}
