import type { Database, Statement } from 'better-sqlite3';
import { skeletonRefs } from './bodies.js';
import { buildFilter, likePattern, OWN_TEXT_CLAUSE, type Filter } from './query.js';
import type { TraceQuery } from './schema.js';

/**
 * Free-text search through the FTS5 indexes of migration 9. A trace matches when the text is a
 * substring (ASCII case folded, as LIKE) of its own short text (`traceText`) or of one of its
 * request's blobs: what the LIKE search before it matched, found the same way. The trigram
 * indexes keep no positions, so they name candidates (rows holding every trigram of the
 * text) and LIKE confirms each. Texts under three characters, and texts with a line break
 * (which could span two fields of `traceText`), keep the LIKE search (`searchable`).
 *
 * A blob is indexed once however many turns resend it, so its traces come from `blob_traces`.
 * Two ways to a page, picked per query:
 * - few matches (a rare word): every matching blob and trace text is read from the indexes and
 *   their traces gathered (at most CANDIDATES). Up to SORTED of them are read and sorted; more
 *   (a word in one trace in a hundred) and the page walks the traces newest first under the
 *   other filters, keeping those among the candidates, so it stops once the page is full;
 * - many (a common word, or a blob most traces share): the traces are walked newest first
 *   under the other filters and each checked against the newest matching blobs, an older
 *   blob by LIKE on its text (once per query), so the walk stops once the page is full.
 *
 * Measured at 1M traces (bench/traces-1m.ts --text): an index read costs ~18 ms for a common
 * trigram whatever rowid range it is given, a rowid probe ~65 µs, a blob's LIKE ~4 µs; reading
 * a trace row for its id ~2.5 µs. So the index names candidates once per query and never again.
 */

/** Matching blobs read up front; more than this in all and the query walks the traces. */
const NEWEST_BLOBS = 500;
/** Index candidates examined up front: past this many, the walk takes over where they ended. */
const EXAMINED = 5_000;
/** Traces a rare word's matches may come to before the query walks the traces instead. */
const CANDIDATES = 20_000;
/** Candidate traces read and sorted by id; past this many a walk under the filters is cheaper. */
const SORTED = 2_000;
/** Older blobs whose LIKE answer a walk remembers (a resent history is met on every turn). */
const REMEMBERED = 100_000;

/** The fields of a trace its own search text is made of. */
export interface TraceTextFields {
  error_message: string | null;
  requested_model: string | null;
  resolved_model: string | null;
  provider: string | null;
  caller_user: string;
  agent: string | null;
  /** JSON text, as stored. */
  metadata: string;
  /** The request skeleton (store/bodies.ts), whose inline fields are searched as their JSON text. */
  request_body: string | null;
}

/**
 * A trace's own searchable text: what migration 9's backfill builds with `concat_ws`, one
 * field a line, so a match never spans two fields (a searched text has no line break).
 */
export function traceText(f: TraceTextFields): string {
  const inline = f.request_body === null ? undefined : (JSON.parse(f.request_body) as { i?: unknown }).i;
  const fields = [f.error_message, f.requested_model, f.resolved_model, f.provider, f.caller_user, f.agent, f.metadata, inline === undefined ? null : JSON.stringify(inline)];
  return fields.filter((v): v is string => v !== null).join('\n');
}

/** Whether the index can answer a search for `text` (else the LIKE search does). */
export function searchable(text: string): boolean {
  return [...text].length >= 3 && !/[\r\n]/.test(text);
}

/**
 * `text` as an FTS5 query for the trigram indexes: trigrams that cover it (every third, and the
 * last), each a quoted term. Without positions a phrase cannot be asked, so this finds rows
 * holding all of them anywhere: a superset of the rows that contain the text.
 */
export function trigramQuery(text: string): string {
  const chars = [...text];
  const starts = new Set<number>();
  for (let i = 0; i + 3 <= chars.length; i += 3) starts.add(i);
  starts.add(chars.length - 3);
  return [...starts].map((i) => `"${chars.slice(i, i + 3).join('').replaceAll('"', '""')}"`).join(' ');
}

/** Folds ASCII letters only, as SQLite's LIKE does. */
const fold = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** The newest matching blobs: every one with an id from `floor` up (-Infinity: all of them). */
interface NewestBlobs {
  ids: number[];
  floor: number;
}

/** A rare word's traces: all in `all`, those whose request holds a matching blob in `linked` (the rest still to confirm). */
interface Candidates {
  all: number[];
  linked: number[];
}

interface ScanRow extends TraceTextFields {
  id: string;
  seq: number;
}

/** A trace is a candidate's: a linked one matches, any other must hold the text in its own fields. */
const CANDIDATE_CLAUSE = `(t.seq IN (SELECT value FROM json_each(?)) OR ${OWN_TEXT_CLAUSE})`;

/** `f` with one more condition, checked after its others. */
function withClause(f: Filter, key: string, sql: string, params: (string | number)[]): Filter {
  return { ...f, key: `${f.key}|${key}`, where: `${f.where === '' ? 'WHERE' : `${f.where} AND`} ${sql}`, params: [...f.params, ...params] };
}

/** The search indexes of one store: kept in each trace's transaction, read by `TraceStore.list`. */
export class SearchIndex {
  private readonly insertText: Statement<[number, string]>;
  private readonly deleteText: Statement<[number]>;
  private readonly hasLink: Statement<[number], number>;
  private readonly insertLink: Statement<[number, number]>;
  private readonly deleteLink: Statement<[number, number]>;
  private readonly insertBlobText: Statement<[number]>;
  private readonly deleteBlobText: Statement<[number]>;
  private readonly blobCandidates: Statement<[string], number>;
  private readonly blobContains: Statement<[number, string], number>;
  private readonly textCandidates: Statement<[string, number], number>;
  private readonly linkedTraces: Statement<[string, number], number>;
  private readonly statements = new Map<string, Statement<unknown[], never>>();

  constructor(private readonly db: Database) {
    this.insertText = db.prepare('INSERT INTO trace_text (rowid, text) VALUES (?, ?)');
    this.deleteText = db.prepare('DELETE FROM trace_text WHERE rowid = ?');
    this.hasLink = db.prepare<[number], number>('SELECT 1 FROM blob_traces WHERE blob_id = ? LIMIT 1').pluck();
    this.insertLink = db.prepare('INSERT OR IGNORE INTO blob_traces (blob_id, seq) VALUES (?, ?)');
    this.deleteLink = db.prepare('DELETE FROM blob_traces WHERE blob_id = ? AND seq = ?');
    this.insertBlobText = db.prepare('INSERT INTO blob_text (rowid, data) SELECT id, data FROM blobs WHERE id = ?');
    this.deleteBlobText = db.prepare('DELETE FROM blob_text WHERE rowid = ?');
    this.blobCandidates = db.prepare<[string], number>('SELECT rowid FROM blob_text WHERE blob_text MATCH ? ORDER BY rowid DESC').pluck();
    this.blobContains = db.prepare<[number, string], number>("SELECT 1 FROM blobs WHERE id = ? AND data LIKE ? ESCAPE '\\'").pluck();
    this.textCandidates = db.prepare<[string, number], number>('SELECT rowid FROM trace_text WHERE trace_text MATCH ? LIMIT ?').pluck();
    this.linkedTraces = db.prepare<[string, number], number>('SELECT seq FROM blob_traces WHERE blob_id IN (SELECT value FROM json_each(?)) LIMIT ?').pluck();
  }

  /** Indexes a stored trace (`seq` its row id). Call in the trace's transaction, after its blobs are stored. */
  add(seq: number, fields: TraceTextFields): void {
    this.insertText.run(seq, traceText(fields));
    for (const id of new Set(skeletonRefs(fields.request_body))) {
      // A blob is indexed with its first link and unindexed with its last, so it is in blob_text once.
      if (this.hasLink.get(id) === undefined) this.insertBlobText.run(id);
      this.insertLink.run(id, seq);
    }
  }

  /** Takes a trace out of the index (retention). Call in the transaction that deletes it. */
  remove(seq: number, requestSkeleton: string | null): void {
    this.deleteText.run(seq);
    for (const id of new Set(skeletonRefs(requestSkeleton))) {
      this.deleteLink.run(id, seq);
      if (this.hasLink.get(id) === undefined) this.deleteBlobText.run(id);
    }
  }

  /**
   * The ids of the newest `limit` traces that contain `q.text` and pass `q`'s other filters,
   * newest first. `q.text` must be `searchable`.
   */
  match(q: TraceQuery & { text: string }, limit: number): string[] {
    const terms = trigramQuery(q.text);
    const like = likePattern(q.text);
    const newest = this.newestBlobs(terms, like);
    if (newest.floor === -Infinity) {
      const c = this.candidates(terms, newest.ids);
      if (c !== null) return this.pick(q, like, c, limit);
    }
    return this.walk(q, like, newest, limit);
  }

  /**
   * The newest blobs that contain the text, newest first: every one down to `floor`
   * (-Infinity: all of them), stopping after NEWEST_BLOBS matches or EXAMINED index candidates.
   */
  private newestBlobs(terms: string, like: string): NewestBlobs {
    const ids: number[] = [];
    let examined = 0;
    let floor = -Infinity;
    // Leaving the loop early ends the index read (the iterator's return).
    for (const id of this.blobCandidates.iterate(terms)) {
      if (ids.length === NEWEST_BLOBS || examined === EXAMINED) {
        floor = id + 1;
        break;
      }
      examined++;
      if (this.blobContains.get(id, like) !== undefined) ids.push(id);
    }
    return { ids, floor };
  }

  /** Every trace the matches may come to, or null when they are more than CANDIDATES. */
  private candidates(terms: string, blobs: number[]): Candidates | null {
    const named = this.textCandidates.all(terms, CANDIDATES + 1);
    if (named.length > CANDIDATES) return null;
    const linked = blobs.length === 0 ? [] : this.linkedTraces.all(JSON.stringify(blobs), CANDIDATES + 1);
    const all = new Set([...named, ...linked]);
    return all.size > CANDIDATES ? null : { all: [...all], linked };
  }

  /**
   * The page among a rare word's candidates, in one query: the candidates driving it when they
   * are few (each row read once, the survivors sorted), else the other filters driving a walk
   * newest first that keeps candidates and stops at `limit` (a candidate's row read only then).
   */
  private pick(q: TraceQuery & { text: string }, like: string, c: Candidates, limit: number): string[] {
    const confirm = [JSON.stringify(c.linked), ...Array<string>(8).fill(like)];
    const sorted = c.all.length <= SORTED;
    const base = buildFilter(q, sorted ? { likeText: false, candidates: JSON.stringify(c.all) } : { likeText: false });
    // The unary + keeps SQLite from driving the walk by the candidate list.
    const f = sorted ? withClause(base, 'confirm', CANDIDATE_CLAUSE, confirm) : withClause(base, 'within', `+t.seq IN (SELECT value FROM json_each(?)) AND ${CANDIDATE_CLAUSE}`, [JSON.stringify(c.all), ...confirm]);
    return this.statement(f, 't.id').all(...f.params, limit) as string[];
  }

  /**
   * Walks the traces the other filters let through, newest first, until `limit` contain the
   * text. The newest matching blobs are known; an older one is checked by LIKE on its text
   * when the walk first meets it (cheaper than asking the index: see the head of this file).
   */
  private walk(q: TraceQuery & { text: string }, like: string, newest: NewestBlobs, limit: number): string[] {
    const f = buildFilter(q, { likeText: false });
    const known = new Set(newest.ids);
    const looked = new Map<number, boolean>();
    const blobMatches = (id: number): boolean => {
      if (id >= newest.floor) return known.has(id);
      let hit = looked.get(id);
      if (hit === undefined) {
        if (looked.size === REMEMBERED) looked.clear();
        hit = this.blobContains.get(id, like) !== undefined;
        looked.set(id, hit);
      }
      return hit;
    };
    const needle = fold(q.text);
    const ids: string[] = [];
    const cols = "t.id, t.seq, t.error_message, t.requested_model, t.resolved_model, t.provider, t.caller_user, json_extract(t.caller, '$.agent') AS agent, t.metadata, t.request_body";
    // No LIMIT (-1): the walk stops itself, and a page's worth may be far down.
    for (const row of this.statement(f, cols).iterate(...f.params, -1) as IterableIterator<ScanRow>) {
      if (fold(traceText(row)).includes(needle) || skeletonRefs(row.request_body).some(blobMatches)) {
        ids.push(row.id);
        if (ids.length === limit) break;
      }
    }
    return ids;
  }

  private statement(f: Filter, cols: string): Statement<unknown[], never> {
    const key = `${cols}|${f.key}`;
    let stmt = this.statements.get(key);
    if (stmt === undefined) {
      stmt = this.db.prepare<unknown[], never>(`SELECT ${cols} FROM ${f.from} ${f.where} ${f.order} LIMIT ?`);
      if (cols === 't.id') stmt.pluck();
      this.statements.set(key, stmt);
    }
    return stmt;
  }
}
