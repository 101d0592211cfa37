/**
 * The store's schema history. Each entry is applied once, in order, in its own transaction,
 * and recorded in `schema_migrations` with the sha256 of its SQL. An applied migration is
 * never edited (the hash check refuses to open a database whose history was rewritten):
 * change the schema by appending a new entry.
 */
export interface Migration {
  /** Consecutive from 1; the order migrations are applied in. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'traces and content-addressed bodies',
    sql: `
      -- One row per distinct piece of body content (a message, a tool list, an SSE stream).
      -- Agents resend their whole history every turn; content addressing stores it once.
      CREATE TABLE blobs (
        id   INTEGER PRIMARY KEY,
        hash BLOB NOT NULL UNIQUE,  -- sha256 of data, 32 bytes
        data TEXT NOT NULL,
        size INTEGER NOT NULL       -- bytes of data in UTF-8
      );

      -- A trace's blobs are listed in its body skeletons (see bodies.ts); there is no link
      -- table because it would need a row per (trace, message), which grows with the square
      -- of a conversation's length. Search and retention read the skeletons with json_tree.
      CREATE TABLE traces (
        seq              INTEGER PRIMARY KEY,
        id               TEXT NOT NULL UNIQUE,  -- UUIDv7: sorts by start time
        started_at       INTEGER NOT NULL,
        ended_at         INTEGER NOT NULL,
        duration_ms      REAL NOT NULL,
        phases           TEXT NOT NULL,         -- JSON
        caller           TEXT NOT NULL,         -- JSON
        caller_user      TEXT NOT NULL,
        api              TEXT NOT NULL,
        method           TEXT NOT NULL,
        path             TEXT NOT NULL,
        tier             TEXT NOT NULL,
        requested_model  TEXT,
        resolved_model   TEXT,
        provider         TEXT,
        status           INTEGER NOT NULL,
        error_code       TEXT,
        error_message    TEXT,
        stream           INTEGER NOT NULL,      -- 0/1
        tokens_in        INTEGER,
        tokens_out       INTEGER,
        tokens_cached    INTEGER,
        metadata         TEXT NOT NULL,         -- JSON
        request_headers  TEXT NOT NULL,         -- JSON
        response_headers TEXT NOT NULL,         -- JSON
        request_body     TEXT,                  -- body skeleton (see bodies.ts); NULL = no body
        response_body    TEXT
      );
      -- Pages are ordered by id; the (column, id) indexes let a filtered page walk an index
      -- in id order instead of sorting every match.
      -- No index on started_at: ids are UUIDv7, so a time bound is an id bound. The status
      -- index holds only failures: every insert into an index costs a page write on the hot
      -- path, and "show me what failed" is the status filter that must be fast.
      CREATE INDEX traces_failed ON traces (status, id) WHERE status >= 400;
      CREATE INDEX traces_requested_model ON traces (requested_model, id);
      CREATE INDEX traces_resolved_model ON traces (resolved_model, id);

    `,
  },
  {
    version: 2,
    name: 'reasoning tokens',
    sql: `
      -- Reasoning (thinking) tokens, part of tokens_out; NULL where the provider does not say.
      ALTER TABLE traces ADD COLUMN tokens_reasoning INTEGER;
    `,
  },
];
