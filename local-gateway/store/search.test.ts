import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7LowerBound } from '../core/ids.js';
import { closeDatabase, openDatabase, type Database, type MigrationProgress } from './db.js';
import { buildFilter } from './query.js';
import { Retention, sweep } from './retention.js';
import { TraceQuerySchema, type Trace, type TraceQuery } from './schema.js';
import { searchable, trigramQuery } from './search.js';
import { makeTrace, tempDir, text } from './testing.js';
import { TraceStore } from './traces.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function open(file?: string): { db: Database; store: TraceStore; file: string } {
  let f = file;
  if (f === undefined) {
    const t = tempDir();
    cleanups.push(t.cleanup);
    f = t.file;
  }
  const db = openDatabase(f);
  cleanups.push(() => closeDatabase(db));
  return { db, store: new TraceStore(db), file: f };
}

type Q = Partial<Record<keyof TraceQuery, string>>;
const parse = (q: Q) => TraceQuerySchema.parse(q);

/** Every id the store's search finds, page by page. */
function searched(store: TraceStore, q: Q): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = store.list(parse({ ...q, ...(cursor === undefined ? {} : { cursor }) }));
    ids.push(...page.traces.map((t) => t.id));
    if (page.next_cursor === null) return ids;
    cursor = page.next_cursor;
  }
}

/** What the LIKE search (the one before the index, still the one for short texts) finds. */
function liked(db: Database, q: Q): string[] {
  const f = buildFilter(parse({ ...q, limit: '500' }));
  return db.prepare(`SELECT t.id FROM ${f.from} ${f.where} ${f.order}`).pluck().all(...f.params) as string[];
}

const BASE = Date.UTC(2026, 0, 1);
let n = 0;
// An id of the trace's own start time (uuidv7() never goes back in time within a process), so retention's id bound applies.
const at = (over: Partial<Trace>) => {
  const i = n++;
  const started = BASE + i * 1000;
  return makeTrace({ id: `${uuidv7LowerBound(started).slice(0, -12)}${String(i).padStart(12, '0')}`, started_at: started, ...over });
};

/** Two conversations sharing a system prompt, with turns that resend their history, plus odd ones out (15 traces). Returns the first one's start. */
function seed(store: TraceStore): number {
  const first = BASE + n * 1000;
  const system = { role: 'system', content: `You work in the Zephyr monorepo. ${text(1, 400)}` };
  const a: unknown[] = [system];
  const b: unknown[] = [system];
  for (let turn = 0; turn < 6; turn++) {
    a.push({ role: 'user', content: `turn ${turn}: fix the parser_${turn} bug, 100% of it ${text(turn + 10, 300)}` });
    store.insert(at({ request_body: { model: 'gpt-4o-mini', messages: [...a] }, response_body: { choices: [{ message: { role: 'assistant', content: `answer-only-word-${turn}` } }] } }));
    a.push({ role: 'assistant', content: `Patched parser_${turn}.` });
    b.push({ role: 'user', content: `Ünïcode Straße "quoted" step ${turn}` });
    store.insert(at({ request_body: { model: 'claude-sonnet-4-5', messages: [...b] }, metadata: { team: 'payments', ticket: `PAY-${turn}` }, status: turn % 2 ? 500 : 200, resolved_model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic' }));
  }
  store.insert(at({ status: 429, error_code: 'GH_ERR_RATE_LIMITED', error_message: 'Rate limit ide-tokens reached', request_body: 'a plain string body mentioning kiwifruit' }));
  store.insert(at({ caller: { user: 'grace', team: null, agent: 'claude-cli/2.1.197' }, request_body: { model: 'o4-mini', temperature: 0.25, messages: [] } }));
  store.insert(at({ request_body: undefined, response_body: undefined }));
  return first;
}

const TEXTS = [
  'zephyr', 'ZEPHYR MONOREPO', 'parser_3', 'parser_', '100%', '100% of', 'PAY-3', '"team":"pay', '"quoted"', 'Straße', 'straße', 'ünïcode',
  'answer-only-word', 'Rate limit', 'kiwifruit', 'claude-cli/2', 'grace', '"temperature":0.25', 'gpt-4o', 'anthropic', 'no such words', 'fix the parser_0 bug',
];

describe('free-text search through the index', () => {
  it('finds exactly what the LIKE search finds, alone, with other filters and page by page', () => {
    const { db, store } = open();
    seed(store);
    for (const t of TEXTS) {
      expect(searchable(t), t).toBe(true);
      expect(searched(store, { text: t }), t).toEqual(liked(db, { text: t }));
      expect(searched(store, { text: t, limit: '2' }), `${t}, pages of 2`).toEqual(liked(db, { text: t }));
      expect(searched(store, { text: t, status: 'error' }), `${t} with status=error`).toEqual(liked(db, { text: t, status: 'error' }));
      expect(searched(store, { text: t, model: 'claude-sonnet-4-5', meta: 'team:payments' }), `${t} with tags`).toEqual(liked(db, { text: t, model: 'claude-sonnet-4-5', meta: 'team:payments' }));
    }
    // Not vacuous: resent history matches every later turn, a response alone matches nothing, case folds for ASCII only.
    expect(searched(store, { text: 'parser_0 bug' })).toHaveLength(6);
    expect(searched(store, { text: 'zephyr' })).toHaveLength(12);
    expect(searched(store, { text: 'answer-only-word' })).toEqual([]);
    expect(searched(store, { text: 'STRASSE' })).toEqual([]);
    expect(searched(store, { text: 'ÜNÏCODE' })).toEqual([]);
  });

  it('walks the traces when a text is in more blobs than it reads up front, with the same answers', () => {
    const { db, store } = open();
    const traces: Trace[] = [];
    // 700 distinct messages holding "needle", an older shared one holding "ancient", every third trace an error.
    const shared = { role: 'system', content: `ancient rules ${text(3, 300)}` };
    for (let i = 0; i < 1400; i++) {
      const own = { role: 'user', content: i % 2 === 0 ? `needle ${i} ${text(i, 80)}` : `hay ${i}` };
      traces.push(at({ status: i % 3 === 0 ? 502 : 200, request_body: { model: 'm', messages: i % 5 === 0 ? [shared, own] : [own] } }));
    }
    store.insertMany(traces);
    for (const q of [{ text: 'needle' }, { text: 'needle 1' }, { text: 'needle', status: 'error' }, { text: 'ancient rules' }, { text: 'hay 13' }, { text: 'needle', limit: '7' }]) {
      expect(searched(store, q), JSON.stringify(q)).toEqual(liked(db, q));
    }
    expect(searched(store, { text: 'needle' })).toHaveLength(700);
  });

  it('walks under the filters, keeping the candidates, when a rare word comes to more traces than it sorts, with the same answers', () => {
    const { db, store } = open();
    const traces: Trace[] = [];
    // 2,600 traces whose own text names "overloaded", 500 whose text holds its trigrams but not the word (confirmation decides),
    // 2,300 sharing one prompt that holds "kiwiberry" (one blob, many traces), a few with both; the rest neither.
    const prompt = { role: 'system', content: `kiwiberry rules ${text(5, 300)}` };
    for (let i = 0; i < 3600; i++) {
      const error = i % 7 === 3 ? 'over rlo made deeded' : i % 4 !== 0 ? `upstream overloaded ${i % 9}` : null;
      traces.push(at({ status: error === null ? 200 : 503, error_message: error, metadata: { team: i % 3 === 0 ? 'payments' : 'search' }, request_body: { model: 'm', messages: i % 3 === 1 ? [{ role: 'user', content: `hay ${i}` }] : [prompt, { role: 'user', content: `hay ${i}` }] } }));
    }
    store.insertMany(traces);
    for (const q of [{ text: 'overloaded' }, { text: 'overloaded 4' }, { text: 'kiwiberry' }, { text: 'overloaded', meta: 'team:payments' }, { text: 'kiwiberry', status: 'error' }, { text: 'overloaded', limit: '7' }]) {
      expect(searched(store, q), JSON.stringify(q)).toEqual(liked(db, q));
    }
    // Not vacuous: the trigram look-alikes are not found, and the candidates are more than the sorted path takes.
    expect(searched(store, { text: 'overloaded' }).length).toBeGreaterThan(2000);
    expect(searched(store, { text: 'rlo made' }).length).toBeGreaterThan(0);
    expect(searched(store, { text: 'kiwiberry' }).length).toBeGreaterThan(2000);
  });

  it('keeps short texts and texts with a line break on the LIKE search', () => {
    const { db, store } = open();
    seed(store);
    for (const t of ['ze', '%', 'a\nb']) {
      expect(searchable(t)).toBe(false);
      expect(searched(store, { text: t })).toEqual(liked(db, { text: t }));
    }
    expect(searched(store, { text: 'ze' }).length).toBeGreaterThan(0);
  });

  it('forgets what retention deletes, keeps what a newer trace still shares, and passes the index integrity check', async () => {
    const { db, store } = open();
    const first = seed(store);
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    expect(count('SELECT count(*) FROM blob_traces')).toBeGreaterThan(0);
    // The first turn of each conversation goes; the shared system prompt and history stay with the later turns.
    await sweep(new Retention(db), { before: first + 2 * 1000, maxBytes: null, batch: 1 }, () => new Promise((r) => setImmediate(r)));
    expect(store.count()).toBe(13);
    for (const t of TEXTS) expect(searched(store, { text: t }), t).toEqual(liked(db, { text: t }));
    expect(searched(store, { text: 'zephyr' })).toHaveLength(10);
    expect(count('SELECT count(*) FROM blob_traces WHERE seq NOT IN (SELECT seq FROM traces)')).toBe(0);
    // The deleted first turn's message and the reply to it live on in the later turns that resend them.
    expect(count(`SELECT count(*) FROM blob_text WHERE blob_text MATCH '${trigramQuery('parser_0')}'`)).toBe(2);

    await sweep(new Retention(db), { before: Date.UTC(2100, 0, 1), maxBytes: null, batch: 4 }, () => new Promise((r) => setImmediate(r)));
    expect(store.count()).toBe(0);
    expect(count('SELECT count(*) FROM blob_traces')).toBe(0);
    expect(count('SELECT count(*) FROM blob_text')).toBe(0);
    expect(count('SELECT count(*) FROM trace_text')).toBe(0);
    db.exec("INSERT INTO blob_text (blob_text, rank) VALUES ('integrity-check', 0); INSERT INTO trace_text (trace_text, rank) VALUES ('integrity-check', 0)");
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('builds the index of a store made before it (migration 9), reporting progress, with the same answers', () => {
    const first = open();
    seed(first.store);
    const before = TEXTS.map((t) => searched(first.store, { text: t }));
    // Back to the schema before migration 9, the traces kept.
    first.db.exec('DROP TABLE trace_text; DROP TABLE blob_text; DROP TABLE blob_traces; DELETE FROM schema_migrations WHERE version = 9');
    closeDatabase(first.db);

    const progress: MigrationProgress[] = [];
    const db = openDatabase(first.file, { onProgress: (p) => progress.push(p) });
    cleanups.push(() => closeDatabase(db));
    const store = new TraceStore(db);
    expect(TEXTS.map((t) => searched(store, { text: t }))).toEqual(before);
    expect(new Set(progress.map((p) => p.step))).toEqual(new Set(['indexing traces for search', 'linking messages to their traces', 'indexing message text for search']));
    expect(progress.every((p) => p.version === 9 && p.done <= p.total)).toBe(true);
    expect(progress.filter((p) => p.done === p.total)).toHaveLength(3);
  });
});
