import type { Migration } from '../../local-gateway/store/migrations.js';

/**
 * The central gateway's own schema history in `<home>/central.db`, applied and hash-checked
 * like the device's (local-gateway/store/db.ts `migrate`): append, never edit.
 */
export const CENTRAL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'pats, devices, policies, signing keys, records',
    sql: `
      CREATE TABLE pats (
        id         TEXT PRIMARY KEY,
        sha256     TEXT NOT NULL UNIQUE,   -- hex; the PAT itself is never stored
        user       TEXT NOT NULL,
        team       TEXT,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );

      CREATE TABLE devices (
        id               TEXT PRIMARY KEY,
        pat_id           TEXT NOT NULL REFERENCES pats(id),
        user             TEXT NOT NULL,
        team             TEXT,
        hostname         TEXT NOT NULL,
        platform         TEXT NOT NULL,
        gatehouse_version TEXT NOT NULL,
        enrolled_at      INTEGER NOT NULL,
        last_seen        INTEGER,
        last_report_at   INTEGER,
        last_report_rejected INTEGER NOT NULL DEFAULT 0,
        applied_version  INTEGER,
        rejected_version INTEGER,
        last_error       TEXT,
        contiguous_seq   INTEGER NOT NULL DEFAULT 0,  -- 1..contiguous_seq all received or dropped
        max_seq          INTEGER NOT NULL DEFAULT 0,
        gaps             TEXT NOT NULL DEFAULT '[]'   -- JSON [{from_seq,to_seq}] between the two
      );

      -- Each version once; bundle is the exact signed text.
      CREATE TABLE policies (
        version      INTEGER PRIMARY KEY,
        bundle       TEXT NOT NULL,
        signature    TEXT NOT NULL,
        key_id       TEXT NOT NULL,
        published_at INTEGER NOT NULL,
        expires      TEXT NOT NULL
      );

      -- Public halves only: the seeds live in the OS keychain or the environment.
      CREATE TABLE signing_keys (
        key_id      TEXT PRIMARY KEY,
        public_key  TEXT NOT NULL,
        not_after   TEXT,
        created_at  INTEGER NOT NULL,
        endorsement TEXT              -- JSON KeyEndorsement by the previous key; NULL for the first
      );

      -- record_id is the dedupe key: a batch sent twice inserts nothing the second time.
      CREATE TABLE records (
        record_id       TEXT PRIMARY KEY,
        device_id       TEXT NOT NULL REFERENCES devices(id),
        seq             INTEGER NOT NULL,
        trace_id        TEXT NOT NULL,
        started_at      INTEGER NOT NULL,
        user            TEXT NOT NULL,
        team            TEXT,
        model           TEXT,               -- resolved model, else the requested one
        tokens_in       INTEGER,
        tokens_out      INTEGER,
        cost_usd        REAL,
        metadata        TEXT NOT NULL,      -- JSON, what usage groups by metadata.<key> read
        body            TEXT NOT NULL,      -- the record as received, JSON
        received_at     INTEGER NOT NULL
      );
      -- An index entry ends with the rowid, so this one walks a device's records in arrival (cursor) order.
      CREATE INDEX records_device ON records (device_id);
      CREATE INDEX records_started ON records (started_at);

      CREATE TABLE dropped_ranges (
        device_id TEXT NOT NULL REFERENCES devices(id),
        from_seq  INTEGER NOT NULL,
        to_seq    INTEGER NOT NULL,
        reason    TEXT NOT NULL,
        PRIMARY KEY (device_id, from_seq, to_seq)
      ) WITHOUT ROWID;
    `,
  },
];
