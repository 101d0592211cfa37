import type { Database, Statement } from 'better-sqlite3';
import { uuidv7LowerBound } from '../core/ids.js';
import { BodyStore } from './bodies.js';
import { OutboxStore } from './outbox.js';
import { tracePreview } from './preview.js';
import { buildFilter, traceTags, type Filter } from './query.js';
import { SearchIndex, searchable } from './search.js';
import type { Fired, ToolRef, Trace, TracePage, TraceQuery, TraceSummary, TraceUsage } from './schema.js';
import { UsageStore } from './usage.js';
import { VerdictStore } from './verdicts.js';

/** A trace row as SQLite returns it: JSON as text, booleans as 0/1. */
export interface SummaryRow {
  id: string;
  started_at: number;
  ended_at: number;
  duration_ms: number;
  phases: string;
  caller: string;
  api: string;
  method: string;
  path: string;
  tier: string;
  requested_model: string | null;
  resolved_model: string | null;
  provider: string | null;
  status: number;
  error_code: string | null;
  error_message: string | null;
  stream: number;
  tokens_in: number | null;
  tokens_out: number | null;
  tokens_cached: number | null;
  tokens_reasoning: number | null;
  cost_usd: number | null;
  metadata: string;
  tool: string | null;
}
/** A list row: its fired verdicts as a JSON array of `[idx, tier, rule, stage, decision, mode, enforced]`. */
interface ListRow extends SummaryRow {
  fired: string;
  ask: string | null;
  answer: string | null;
  session: string | null;
}
interface FullRow extends SummaryRow {
  request_headers: string;
  response_headers: string;
  request_body: string | null;
  response_body: string | null;
}

const SUMMARY_COLUMNS = `t.id, t.started_at, t.ended_at, t.duration_ms, t.phases, t.caller, t.api, t.method,
  t.path, t.tier, t.requested_model, t.resolved_model, t.provider, t.status, t.error_code,
  t.error_message, t.stream, t.tokens_in, t.tokens_out, t.tokens_cached, t.tokens_reasoning, t.cost_usd, t.metadata, t.tool`;

/**
 * The verdicts that fired, in the order they were recorded (`idx`), as the live event lists
 * them. The primary key (trace_id, idx) finds a trace's verdicts in one range.
 */
const FIRED_COLUMN = `(SELECT json_group_array(json_array(v.idx, v.tier, v.rule, v.stage, v.decision, v.mode, v.enforced))
  FROM verdicts v WHERE v.trace_id = t.id AND v.decision <> 'allow') AS fired`;

const PREVIEW_COLUMNS = 't.ask, t.answer, t.session';

const USAGE_COLUMNS = `t.id, t.started_at, t.phases, t.caller, t.api, t.tier, t.requested_model, t.resolved_model,
  t.provider, t.status, t.error_code, t.tokens_in, t.tokens_out, t.metadata, t.tool`;

type UsageRow = Pick<SummaryRow, 'id' | 'started_at' | 'phases' | 'caller' | 'api' | 'tier' | 'requested_model' | 'resolved_model' | 'provider' | 'status' | 'error_code' | 'tokens_in' | 'tokens_out' | 'metadata' | 'tool'>;

const INSERT_TRACE = `INSERT INTO traces (id, started_at, ended_at, duration_ms, phases, caller, caller_user,
  api, method, path, tier, requested_model, resolved_model, provider, status, error_code, error_message,
  stream, tokens_in, tokens_out, tokens_cached, tokens_reasoning, cost_usd, metadata, request_headers, response_headers,
  request_body, response_body, ask, answer, session, tool) VALUES (${Array<string>(32).fill('?').join(', ')})`;

/** What the store holds, for status pages and the size budget. */
export interface StoreStats {
  traces: number;
  blobs: number;
  /** Size of the main database file: page_count × page_size (the WAL not included). */
  bytes: number;
}

/**
 * The trace store: one row per traced request, bodies content-addressed in `blobs`.
 * Statements are prepared once per store; `insert` is on every request's hot path.
 */
export class TraceStore {
  private readonly bodies: BodyStore;
  /** Each trace's verdicts, and the per-tier summary of what fired. */
  readonly verdicts: VerdictStore;
  /** Tokens and cost per time bucket and group. */
  readonly usage: UsageStore;
  /** The sync records outbox: a record per trace stored while the device is enrolled, in the trace's transaction. */
  readonly outbox: OutboxStore;
  private readonly insertTrace: Statement<unknown[]>;
  private readonly insertTag: Statement<[string, string, number]>;
  private readonly selectTrace: Statement<[string], FullRow>;
  private readonly hasTrace: Statement<[string], number>;
  private readonly countTraces: Statement<[], number>;
  private readonly countTracesSince: Statement<[string, number], number>;
  private readonly selectSince: Statement<[string, number], UsageRow>;
  private readonly selectNewestIds: Statement<[number], string>;
  private readonly countBlobs: Statement<[], number>;
  private readonly pages = new Map<string, Statement<unknown[], ListRow>>();
  private readonly search: SearchIndex;
  private readonly selectListed: Statement<[string], ListRow>;
  private readonly insertTx: (trace: Trace) => void;
  private readonly insertManyTx: (traces: readonly Trace[]) => void;

  constructor(private readonly db: Database) {
    this.bodies = new BodyStore(db);
    this.verdicts = new VerdictStore(db);
    this.usage = new UsageStore(db);
    this.outbox = new OutboxStore(db);
    this.search = new SearchIndex(db);
    this.selectListed = db.prepare<[string], ListRow>(`SELECT ${SUMMARY_COLUMNS}, ${PREVIEW_COLUMNS}, ${FIRED_COLUMN}
      FROM json_each(?) c CROSS JOIN traces t ON t.id = c.value ORDER BY t.id DESC`);
    this.insertTrace = db.prepare<unknown[]>(INSERT_TRACE);
    this.insertTag = db.prepare<[string, string, number]>('INSERT OR IGNORE INTO trace_tags (tag, trace_id, status) VALUES (?, ?, ?)');
    this.selectTrace = db.prepare<[string], FullRow>(`SELECT ${SUMMARY_COLUMNS}, t.request_headers, t.response_headers,
      t.request_body, t.response_body FROM traces t WHERE t.id = ?`);
    this.hasTrace = db.prepare<[string], number>('SELECT 1 FROM traces WHERE id = ?').pluck();
    this.countTraces = db.prepare<[], number>('SELECT count(*) FROM traces').pluck();
    this.selectNewestIds = db.prepare<[number], string>('SELECT id FROM traces ORDER BY id DESC LIMIT ?').pluck();
    this.countTracesSince = db.prepare<[string, number], number>('SELECT count(*) FROM traces WHERE id >= ? AND started_at >= ?').pluck();
    this.selectSince = db.prepare<[string, number], UsageRow>(`SELECT ${USAGE_COLUMNS} FROM traces t WHERE t.id >= ? AND t.started_at >= ? ORDER BY t.id`);
    this.countBlobs = db.prepare<[], number>('SELECT count(*) FROM blobs').pluck();
    const tx = db.transaction((trace: Trace) => this.write(trace));
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes
    // can fail with SQLITE_BUSY without waiting when another connection is writing.
    this.insertTx = (trace) => this.rollingBack(() => tx.immediate(trace));
    const many = db.transaction((traces: readonly Trace[]) => {
      for (const t of traces) this.write(t);
    });
    this.insertManyTx = (traces) => this.rollingBack(() => many.immediate(traces));
  }

  /** Stores a trace, its bodies and its outbox record in one transaction, committed (in the WAL) on return. */
  insert(trace: Trace): void {
    this.insertTx(trace);
  }

  /** Stores several traces in one transaction: one WAL commit for a whole batch. */
  insertMany(traces: readonly Trace[]): void {
    this.insertManyTx(traces);
  }

  private write(t: Trace): void {
    const req = this.bodies.put(t.request_body);
    const res = this.bodies.put(t.response_body);
    const preview = tracePreview(t);
    const metadata = JSON.stringify(t.metadata);
    const { lastInsertRowid } = this.insertTrace.run(
      t.id, t.started_at, t.ended_at, t.duration_ms, JSON.stringify(t.phases), JSON.stringify(t.caller),
      t.caller.user, t.api, t.method, t.path, t.tier, t.requested_model, t.resolved_model, t.provider,
      t.status, t.error_code, t.error_message, t.stream ? 1 : 0, t.tokens_in, t.tokens_out, t.tokens_cached,
      // Journal lines written before these fields existed have none.
      t.tokens_reasoning ?? null, t.cost_usd ?? null, metadata, JSON.stringify(t.request_headers), JSON.stringify(t.response_headers),
      req, res, preview.ask, preview.answer, preview.session, t.tool ? JSON.stringify(t.tool) : null,
    );
    this.bodies.countRefs(req, res);
    this.search.add(Number(lastInsertRowid), {
      error_message: t.error_message, requested_model: t.requested_model, resolved_model: t.resolved_model, provider: t.provider,
      caller_user: t.caller.user, agent: t.caller.agent ?? null, metadata, request_body: req,
    });
    // A journal line written before verdicts were traced has none.
    if (t.verdicts !== undefined) this.verdicts.put(t.id, t.verdicts);
    for (const tag of traceTags(t, preview.session)) this.insertTag.run(tag, t.id, t.status);
    // Last, so a trace that fails to insert (a duplicate id) never assigns a seq.
    this.outbox.append(t);
  }

  /** The full trace with headers and decoded bodies, or null if there is none with that id. */
  get(id: string): Trace | null {
    const row = this.selectTrace.get(id);
    if (row === undefined) return null;
    return {
      ...toSummary(row),
      verdicts: this.verdicts.forTrace(id),
      request_headers: JSON.parse(row.request_headers) as Record<string, string>,
      response_headers: JSON.parse(row.response_headers) as Record<string, string>,
      request_body: this.bodies.get(row.request_body),
      response_body: this.bodies.get(row.response_body),
    };
  }

  /**
   * A page of summaries, newest first (by id, a UUIDv7). `next_cursor` is the last id of the
   * page when more traces match, else null. Throws GH_ERR_INVALID_QUERY for a bad `since`.
   */
  list(q: TraceQuery): TracePage {
    const rows = q.text !== undefined && searchable(q.text) ? this.selectListed.all(JSON.stringify(this.search.match({ ...q, text: q.text }, q.limit + 1))) : this.page(q);
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    return { traces: page.map(toListItem), next_cursor: more ? page[page.length - 1]!.id : null };
  }

  private page(q: TraceQuery): ListRow[] {
    const filter = buildFilter(q);
    return this.pageStatement(filter).all(...filter.params, q.limit + 1);
  }

  /** Runs a transaction; if it rolls back, blob ids it remembered may not exist: forget them. */
  private rollingBack(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.bodies.forget();
      throw err;
    }
  }

  /** Whether a trace with this id is stored. */
  has(id: string): boolean {
    return this.hasTrace.get(id) !== undefined;
  }

  /** How many traces are stored. */
  count(): number {
    return this.countTraces.get()!;
  }

  /** The ids of the newest `n` traces, oldest first (the order they were served in). */
  newestIds(n: number): string[] {
    return this.selectNewestIds.all(n).reverse();
  }

  /** How many traces started at or after `since` (Unix ms). */
  countSince(since: number): number {
    return this.countTracesSince.get(uuidv7LowerBound(since), since)!;
  }

  /**
   * What counters need of every trace started at or after `since` (Unix ms), oldest first, read
   * one row at a time: a start replays these to rebuild counters, so only the columns it uses.
   */
  *since(since: number): Generator<TraceUsage> {
    for (const row of this.selectSince.iterate(uuidv7LowerBound(since), since)) yield toUsage(row);
  }

  /** Counts and the database file's size. */
  stats(): StoreStats {
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return { traces: this.count(), blobs: this.countBlobs.get()!, bytes: pageCount * pageSize };
  }

  /** One prepared statement per combination of filters, made on first use. */
  private pageStatement(f: Filter): Statement<unknown[], ListRow> {
    let stmt = this.pages.get(f.key);
    if (stmt === undefined) {
      stmt = this.db.prepare<unknown[], ListRow>(`SELECT ${SUMMARY_COLUMNS}, ${PREVIEW_COLUMNS}, ${FIRED_COLUMN} FROM ${f.from} ${f.where} ${f.order} LIMIT ?`);
      this.pages.set(f.key, stmt);
    }
    return stmt;
  }
}

type FiredTuple = [number, string, string, Fired['stage'], Fired['decision'], Fired['mode'], number];

function toListItem(row: ListRow): TraceSummary {
  const fired = (JSON.parse(row.fired) as FiredTuple[])
    .sort((a, b) => a[0] - b[0])
    .map(([, tier, rule, stage, decision, mode, enforced]) => ({ tier, rule, stage, decision, mode, enforced: enforced === 1 }));
  return { ...toSummary(row), fired, ask: row.ask, answer: row.answer, session: row.session };
}

function toSummary(row: SummaryRow): Omit<TraceSummary, 'fired'> {
  return {
    id: row.id,
    started_at: row.started_at,
    ended_at: row.ended_at,
    duration_ms: row.duration_ms,
    phases: JSON.parse(row.phases) as Record<string, number>,
    caller: JSON.parse(row.caller) as TraceSummary['caller'],
    api: row.api,
    method: row.method,
    path: row.path,
    tier: row.tier,
    requested_model: row.requested_model,
    resolved_model: row.resolved_model,
    provider: row.provider,
    status: row.status,
    error_code: row.error_code,
    error_message: row.error_message,
    stream: row.stream === 1,
    tokens_in: row.tokens_in,
    tokens_out: row.tokens_out,
    tokens_cached: row.tokens_cached,
    tokens_reasoning: row.tokens_reasoning,
    cost_usd: row.cost_usd,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    // Only tool calls have one: a model call's trace reads back exactly as it was stored.
    ...(row.tool === null ? {} : { tool: JSON.parse(row.tool) as ToolRef }),
  };
}

function toUsage({ tool, ...row }: UsageRow): TraceUsage {
  return {
    ...row,
    phases: JSON.parse(row.phases) as Record<string, number>,
    caller: JSON.parse(row.caller) as TraceUsage['caller'],
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    ...(tool === null ? {} : { tool: JSON.parse(tool) as ToolRef }),
  };
}
