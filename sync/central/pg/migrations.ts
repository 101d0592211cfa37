import type { Pool } from 'pg';
import type { Migration } from '../../../local-gateway/store/migrations.js';
import { checkOrder, migrationHash, verifyApplied } from '../../../local-gateway/store/db.js';

/**
 * The central gateway's PostgreSQL schema history, applied and hash-checked like SQLite's
 * (local-gateway/store/db.ts): append, never edit. Times are Unix ms in bigint, as in SQLite.
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'pats, devices, policies, signing keys, day-partitioned records, usage rollups',
    sql: `
      CREATE TABLE pats (
        id         text PRIMARY KEY,
        sha256     text NOT NULL UNIQUE,   -- hex; the PAT itself is never stored
        "user"     text NOT NULL,
        team       text,
        created_at bigint NOT NULL,
        revoked_at bigint
      );

      CREATE TABLE devices (
        id                   text PRIMARY KEY,
        pat_id               text NOT NULL REFERENCES pats(id),
        "user"               text NOT NULL,
        team                 text,
        hostname             text NOT NULL,
        platform             text NOT NULL,
        gatehouse_version    text NOT NULL,
        enrolled_at          bigint NOT NULL,
        last_seen            bigint,
        last_report_at       bigint,
        last_report_rejected boolean NOT NULL DEFAULT false,
        applied_version      integer,
        rejected_version     integer,
        last_error           text,
        contiguous_seq       bigint NOT NULL DEFAULT 0,
        max_seq              bigint NOT NULL DEFAULT 0,
        gaps                 jsonb NOT NULL DEFAULT '[]',
        -- Counted in the ingest transaction: the fleet view never counts a partitioned table.
        records              bigint NOT NULL DEFAULT 0
      );

      CREATE TABLE policies (
        version      integer PRIMARY KEY,
        bundle       text NOT NULL,        -- the exact signed text
        signature    text NOT NULL,
        key_id       text NOT NULL,
        published_at bigint NOT NULL,
        expires      text NOT NULL
      );

      CREATE TABLE signing_keys (
        ord         bigint GENERATED ALWAYS AS IDENTITY,
        key_id      text PRIMARY KEY,
        public_key  text NOT NULL,
        not_after   text,
        created_at  bigint NOT NULL,
        endorsement jsonb
      );

      -- Partitioned by the request's UTC day, so retention drops a partition instead of
      -- DELETEing rows (no bloat, no vacuum debt). The key must hold the partition column:
      -- a record's started_at never changes between retries, so (record_id, started_at)
      -- dedupes a resent record exactly as record_id alone does.
      CREATE SEQUENCE records_id_seq;
      CREATE TABLE records (
        id          bigint NOT NULL DEFAULT nextval('records_id_seq'),  -- the admin API's cursor
        record_id   uuid NOT NULL,
        device_id   text NOT NULL,
        seq         bigint NOT NULL,
        trace_id    text NOT NULL,
        started_at  bigint NOT NULL,
        "user"      text NOT NULL,
        team        text,
        model       text,
        tokens_in   bigint,
        tokens_out  bigint,
        cost_usd    double precision,
        metadata    jsonb NOT NULL,
        blocked     text[] NOT NULL,     -- tiers with a block verdict, each once
        body        text NOT NULL,       -- the record as received, JSON
        received_at bigint NOT NULL,
        PRIMARY KEY (record_id, started_at)
      ) PARTITION BY RANGE (started_at);
      CREATE INDEX records_id ON records (id);
      CREATE INDEX records_device ON records (device_id, id);

      -- Per UTC day and dimension (user, team, model, metadata.<key>, and * for all), the
      -- sums of the records that were new; tier '' holds the totals, tier T the requests T blocked.
      CREATE TABLE usage_rollups (
        day        date NOT NULL,
        dim        text NOT NULL,
        key        text,
        tier       text NOT NULL,
        requests   bigint NOT NULL,
        tokens_in  bigint NOT NULL,
        tokens_out bigint NOT NULL,
        cost_usd   double precision NOT NULL,
        CONSTRAINT usage_rollups_key UNIQUE NULLS NOT DISTINCT (day, dim, key, tier)
      );

      CREATE TABLE dropped_ranges (
        device_id text NOT NULL REFERENCES devices(id),
        from_seq  bigint NOT NULL,
        to_seq    bigint NOT NULL,
        reason    text NOT NULL,
        PRIMARY KEY (device_id, from_seq, to_seq)
      );
    `,
  },
  {
    version: 2,
    name: 'usage rollups split into shards by device',
    // Every batch of a fleet added to the same few rollup rows (the day's total, the popular
    // models and teams), so concurrent ingest transactions queued on those rows' locks. Each
    // row is now one of ROLLUP_SHARDS, chosen by the device; readers already sum the rows.
    sql: `
      ALTER TABLE usage_rollups ADD COLUMN shard smallint NOT NULL DEFAULT 0;
      ALTER TABLE usage_rollups DROP CONSTRAINT usage_rollups_key;
      ALTER TABLE usage_rollups ADD CONSTRAINT usage_rollups_key UNIQUE NULLS NOT DISTINCT (day, dim, key, tier, shard);
    `,
  },
];

/** Any fixed number: replicas starting together take turns migrating under this advisory lock. */
const MIGRATION_LOCK = 4_141_021;

/** Applies the pending migrations in one transaction, after checking the applied ones are unchanged. */
export async function migratePostgres(pool: Pool, migrations: readonly Migration[] = PG_MIGRATIONS): Promise<void> {
  checkOrder(migrations);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL, applied_at bigint NOT NULL)`);
    const applied = (await client.query<{ version: number; name: string; sha256: string }>('SELECT version, name, sha256 FROM schema_migrations ORDER BY version')).rows;
    verifyApplied(applied, migrations);
    const done = new Set(applied.map((a) => a.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES ($1, $2, $3, $4)', [m.version, m.name, migrationHash(m), Date.now()]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
