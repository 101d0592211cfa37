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
  /**
   * Fills what `sql` created from the rows already stored, in steps over row-id ranges, so a
   * large store reports progress (see `migrate`). Runs in the migration's transaction; its SQL
   * is part of the recorded hash.
   */
  readonly backfill?: readonly BackfillStep[];
}

/** One pass of a backfill: `sql`, one statement, runs once per range of `over`'s row ids, bound as `:lo` (inclusive) and `:hi` (exclusive). */
export interface BackfillStep {
  readonly over: 'traces' | 'blobs';
  /** What a progress line says the step does, e.g. "indexing traces for search". */
  readonly label: string;
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
  {
    version: 3,
    name: 'verdicts per tier, per trace',
    sql: `
      -- What each tier's policy stages decided for a trace: the active tier's enforced, the
      -- shadow tiers' recorded only. One row per verdict; the trace id sorts by time (UUIDv7),
      -- so a window is an id range.
      CREATE TABLE verdicts (
        trace_id  TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        idx       INTEGER NOT NULL,     -- order within the trace
        tier      TEXT NOT NULL,
        enforced  INTEGER NOT NULL,     -- 0/1
        stage     TEXT NOT NULL,
        rule      TEXT NOT NULL,
        decision  TEXT NOT NULL,        -- allow | block | mutate
        mode      TEXT NOT NULL,
        findings  TEXT NOT NULL,        -- JSON
        reason    TEXT NOT NULL,
        retry_after_s INTEGER,          -- a limit's or budget's block: seconds until its window ends
        PRIMARY KEY (trace_id, idx)
      ) WITHOUT ROWID;
      -- The shadow summary walks a window of what fired, newest first, counting per tier and
      -- rule: this index covers that walk. Allow verdicts are most rows and never summarised,
      -- so they stay out of it.
      CREATE INDEX verdicts_fired ON verdicts (trace_id, tier, rule, stage, decision, mode, enforced) WHERE decision <> 'allow';
    `,
  },
  {
    version: 4,
    name: 'cost per trace, and tags for the list filters',
    sql: `
      -- The answer's price, fixed when the trace was built; NULL for rows stored before.
      ALTER TABLE traces ADD COLUMN cost_usd REAL;

      -- What a page can be filtered by, one row per value a trace has: its models (requested
      -- and resolved) and provider, a failing status ('status:error', 'status:4xx',
      -- 'status:429'), a rule that fired ('rule:pii'), a tier's verdict ('verdict:prod:block')
      -- and each metadata pair ('meta:team:platform'). Keyed (tag, trace_id), a filtered page
      -- walks one tag's traces newest first and stops at the page's end, however rare or
      -- common the tag; the trace's status rides along so "failures of this model" is
      -- checked without reading the trace. Written in the trace's transaction. No foreign
      -- key: a cascade would need a second index on trace_id for every delete; retention
      -- deletes a window's tags in one pass (trace_id < the cutoff), and a page joins tags to
      -- their traces, so a tag left behind is never shown.
      CREATE TABLE trace_tags (
        tag      TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        status   INTEGER NOT NULL,
        PRIMARY KEY (tag, trace_id)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO trace_tags (tag, trace_id, status)
        SELECT 'model:' || requested_model, id, status FROM traces WHERE requested_model IS NOT NULL
        UNION ALL SELECT 'model:' || resolved_model, id, status FROM traces WHERE resolved_model IS NOT NULL
        UNION ALL SELECT 'provider:' || provider, id, status FROM traces WHERE provider IS NOT NULL
        UNION ALL SELECT 'status:error', id, status FROM traces WHERE status >= 400
        UNION ALL SELECT 'status:' || (status / 100) || 'xx', id, status FROM traces WHERE status >= 400
        UNION ALL SELECT 'status:' || status, id, status FROM traces WHERE status >= 400
        UNION ALL SELECT 'meta:' || j.key || ':' || j.value, t.id, t.status FROM traces t, json_each(t.metadata) j;
      INSERT OR IGNORE INTO trace_tags (tag, trace_id, status)
        SELECT 'rule:' || v.rule, v.trace_id, t.status FROM verdicts v JOIN traces t ON t.id = v.trace_id WHERE v.decision <> 'allow'
        UNION ALL SELECT 'verdict:' || v.tier || ':' || v.decision, v.trace_id, t.status FROM verdicts v JOIN traces t ON t.id = v.trace_id WHERE v.decision <> 'allow';
    `,
  },
  {
    version: 5,
    name: 'sync records outbox',
    sql: `
      -- One row per stored trace while the device is enrolled, written in the trace's own
      -- transaction and deleted once the central gateway acknowledged it. seq is assigned from
      -- outbox_state.next_seq in that transaction, so a rolled-back trace leaves no gap.
      -- payload: the record's fields (SyncRecordSchema) but bodies, as JSON; what is sent of
      -- it follows the bundle's sync.push at send time.
      CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY,
        device_id  TEXT NOT NULL,
        record_id  TEXT NOT NULL UNIQUE,   -- UUIDv7
        trace_id   TEXT NOT NULL UNIQUE,   -- a trace stored twice never gets a second record
        started_at INTEGER NOT NULL,
        payload    TEXT NOT NULL
      );
      -- The single state row. depth is kept here rather than counted: the budget is checked
      -- on every trace insert and count(*) walks the whole table.
      CREATE TABLE outbox_state (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        device_id   TEXT,                   -- NULL: not enrolled, no records written
        seq_device  TEXT,                   -- whose sequence next_seq continues (kept across unenroll)
        next_seq    INTEGER NOT NULL DEFAULT 1,
        depth       INTEGER NOT NULL DEFAULT 0,
        dropped     INTEGER NOT NULL DEFAULT 0,  -- ever, by the overflow policy
        max_records INTEGER NOT NULL DEFAULT 200000,
        overflow    TEXT NOT NULL DEFAULT 'drop_oldest'
      );
      INSERT INTO outbox_state (id) VALUES (1);
      -- Seq ranges dropped by the overflow policy and not yet reported to the central gateway
      -- (the next batch carries them, so they are known losses rather than gaps).
      CREATE TABLE outbox_dropped (
        from_seq INTEGER PRIMARY KEY,
        to_seq   INTEGER NOT NULL,
        reason   TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'list previews and sessions',
    sql: `
      -- What the list shows of a trace without reading its bodies (store/preview.ts), set when
      -- the trace is stored; NULL for traces stored before. The session filter is a trace tag.
      ALTER TABLE traces ADD COLUMN ask TEXT;
      ALTER TABLE traces ADD COLUMN answer TEXT;
      ALTER TABLE traces ADD COLUMN session TEXT;
    `,
  },
  {
    version: 7,
    name: 'blob reference counts for retention',
    sql: `
      -- How many body references (in request and response skeletons) point at each blob, so
      -- retention deletes a blob with its last trace and keeps one a newer trace still shares.
      -- A table of its own: a count is 16 bytes, and updating it beside the blob's data would
      -- rewrite the whole blob row (often overflow pages) on every turn that resends it.
      CREATE TABLE blob_refs (
        blob_id INTEGER PRIMARY KEY,  -- blobs.id
        refs    INTEGER NOT NULL
      );
      INSERT INTO blob_refs (blob_id, refs)
        SELECT jt.value, count(*) FROM (SELECT request_body AS body FROM traces UNION ALL SELECT response_body FROM traces) t, json_tree(t.body) jt
        WHERE t.body IS NOT NULL AND jt.type = 'integer' AND jt.fullkey NOT LIKE '$.i.%'
        GROUP BY jt.value;
    `,
  },
  {
    version: 8,
    name: 'MCP tool calls',
    sql: `
      -- The tool a tools/call trace ran, as JSON {server, name, exposed}; NULL for every other
      -- trace. Filtering by tool goes through a 'tool:<exposed>' trace tag.
      ALTER TABLE traces ADD COLUMN tool TEXT;
    `,
  },
  {
    version: 9,
    name: 'free-text search index',
    sql: `
      -- Free-text search (store/search.ts). Two contentless FTS5 trigram indexes that keep only
      -- which rows hold which trigrams (detail=none: no positions, ~0.6× the text; with
      -- positions it was 2.7×), a candidate filter whose hits are confirmed with LIKE:
      -- trace_text holds a trace's own short text (error, models, provider, caller, agent,
      -- metadata JSON, the request's inline fields), keyed by traces.seq; blob_text each request
      -- blob's JSON text once, keyed by blobs.id, so a conversation's resent history is indexed
      -- once, not once per turn. blob_traces links a request blob to the traces whose request
      -- references it (a row is two integers), so a matching blob's traces are a range read; a
      -- blob is in blob_text exactly while it has a link row.
      CREATE VIRTUAL TABLE trace_text USING fts5(text, content='', contentless_delete=1, detail=none, tokenize='trigram');
      CREATE VIRTUAL TABLE blob_text USING fts5(data, content='', contentless_delete=1, detail=none, tokenize='trigram');
      CREATE TABLE blob_traces (
        blob_id INTEGER NOT NULL,  -- blobs.id
        seq     INTEGER NOT NULL,  -- traces.seq
        PRIMARY KEY (blob_id, seq)
      ) WITHOUT ROWID;
      -- Retention deletes the oldest rows, which sit in the largest segments. FTS5 rewrites a
      -- segment once a tenth of it is deleted by default: a retention batch then rewrote one
      -- (1.7 s per 500 traces, 8× the batch without the index). At a half, a segment is
      -- rewritten about once over its life.
      INSERT INTO trace_text (trace_text, rank) VALUES ('deletemerge', 50);
      INSERT INTO blob_text (blob_text, rank) VALUES ('deletemerge', 50);
    `,
    backfill: [
      {
        over: 'traces',
        label: 'indexing traces for search',
        sql: `INSERT INTO trace_text (rowid, text)
          SELECT seq, concat_ws(char(10), error_message, requested_model, resolved_model, provider, caller_user,
            json_extract(caller, '$.agent'), metadata, json_extract(request_body, '$.i'))
          FROM traces WHERE seq >= :lo AND seq < :hi`,
      },
      {
        over: 'traces',
        label: 'linking messages to their traces',
        sql: `INSERT OR IGNORE INTO blob_traces (blob_id, seq)
          SELECT jt.value, t.seq FROM traces t, json_tree(t.request_body) jt
          WHERE t.seq >= :lo AND t.seq < :hi AND t.request_body IS NOT NULL AND jt.type = 'integer' AND jt.fullkey NOT LIKE '$.i.%'`,
      },
      {
        over: 'blobs',
        label: 'indexing message text for search',
        sql: `INSERT INTO blob_text (rowid, data)
          SELECT b.id, b.data FROM blobs b
          WHERE b.id >= :lo AND b.id < :hi AND EXISTS (SELECT 1 FROM blob_traces l WHERE l.blob_id = b.id)`,
      },
    ],
  },
];
