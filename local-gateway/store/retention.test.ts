import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7LowerBound } from '../core/ids.js';
import { closeDatabase, openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { Retention, sweep } from './retention.js';
import { makeTrace, storeWithWriter, tempDir, text, toRecord } from './testing.js';
import { TraceStore } from './traces.js';
import type { Trace } from './schema.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const immediate = () => new Promise<void>((r) => setImmediate(r));

// uuidv7() never goes back in time within a process, so seeded traces get ids of their own start time.
let seq = 0;
const idAt = (ms: number) => `${uuidv7LowerBound(ms).slice(0, -12)}${String(seq++).padStart(12, '0')}`;
const traceAt = (startedAt: number, over: Partial<Trace> = {}) => makeTrace({ id: idAt(startedAt), started_at: startedAt, ...over });

/** A conversation turn: the shared history (large enough to be blobs) plus a message of its own. */
function turn(startedAt: number, own: string, extra: Partial<Trace> = {}): Trace {
  return traceAt(startedAt, {
    request_body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text(1, 2000) }, { role: 'user', content: own }] },
    verdicts: [{ tier: 'prod', enforced: false, stage: 'input_guardrails', rule: 'pii', decision: 'block', mode: 'enforce', findings: [], reason: 'would block' }],
    ...extra,
  });
}

function counts(db: ReturnType<typeof openDatabase>) {
  const n = (sql: string) => db.prepare(sql).pluck().get() as number;
  return {
    traces: n('SELECT count(*) FROM traces'),
    verdicts: n('SELECT count(*) FROM verdicts'),
    tags: n('SELECT count(*) FROM trace_tags'),
    blobs: n('SELECT count(*) FROM blobs'),
    orphanTags: n('SELECT count(*) FROM trace_tags WHERE trace_id NOT IN (SELECT id FROM traces)'),
    danglingRefs: n(`SELECT count(*) FROM blob_refs WHERE blob_id NOT IN (SELECT id FROM blobs)`),
  };
}

describe('retention', () => {
  it('deletes exactly the expired traces with their verdicts and tags, keeps shared blobs, and passes integrity_check', async () => {
    const { db, store } = storeWithWriter(cleanups);
    const old = [turn(NOW - 40 * DAY, text(2, 900), { metadata: { team: 'a', cost_center: 'cc-1' } }), turn(NOW - 35 * DAY, text(3, 900))];
    const fresh = [turn(NOW - 2 * DAY, text(4, 900)), turn(NOW - DAY, text(5, 900), { status: 429, error_code: 'GH_ERR_RATE_LIMITED' })];
    store.insertMany([...old, ...fresh]);
    const before = counts(db);

    const retention = new Retention(db);
    const result = await sweep(retention, { before: NOW - 30 * DAY, maxBytes: null, batch: 1 }, immediate);

    expect(result.traces).toBe(2);
    // Each old trace had its own message blob; the shared history and the system-free response blobs live on in the fresh ones.
    expect(result.blobs).toBe(2);
    const after = counts(db);
    expect(after.traces).toBe(2);
    expect(after.verdicts).toBe(before.verdicts - 2);
    expect(after.orphanTags).toBe(0);
    expect(after.danglingRefs).toBe(0);
    expect(after.blobs).toBe(before.blobs - 2);
    expect(store.has(old[0]!.id) || store.has(old[1]!.id)).toBe(false);
    // The survivors read back whole, the shared history included.
    for (const t of fresh) expect(store.get(t.id)?.request_body).toEqual(t.request_body);
    expect(store.list({ meta: 'cost_center:cc-1', limit: 50 }).traces).toHaveLength(0);
    expect(store.list({ rule: 'pii', limit: 50 }).traces).toHaveLength(2);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);

    // Nothing newer than the cutoff goes on a second sweep.
    expect((await sweep(retention, { before: NOW - 30 * DAY, maxBytes: null }, immediate)).traces).toBe(0);
  });

  it('keeps a blob until its last trace goes, counting a trace that references it twice', async () => {
    const { db, store } = storeWithWriter(cleanups);
    const shared = text(9, 3000);
    const a = traceAt(NOW - 10 * DAY, { request_body: { messages: [{ content: shared }, { content: shared }] } });
    const b = traceAt(NOW - 5 * DAY, { request_body: { messages: [{ content: shared }] } });
    store.insertMany([a, b]);
    const retention = new Retention(db);
    await sweep(retention, { before: NOW - 7 * DAY, maxBytes: null }, immediate);
    expect(store.get(b.id)?.request_body).toEqual(b.request_body);
    await sweep(retention, { before: NOW, maxBytes: null }, immediate);
    expect(counts(db)).toMatchObject({ traces: 0, blobs: 0, tags: 0, verdicts: 0 });
    expect(db.prepare('SELECT count(*) FROM blob_refs').pluck().get()).toBe(0);
  });

  it('deletes the oldest traces until the store fits its budget, and the file shrinks', async () => {
    const { db, store } = storeWithWriter(cleanups);
    const traces = Array.from({ length: 400 }, (_, i) => turn(NOW - (400 - i) * 60_000, text(100 + i, 4000)));
    store.insertMany(traces);
    const retention = new Retention(db);
    const full = retention.usedBytes();
    const pagesBefore = db.pragma('page_count', { simple: true }) as number;
    const budget = Math.floor(full / 2);
    const result = await sweep(retention, { before: 0, maxBytes: budget, batch: 25 }, immediate);
    expect(result.bytes).toBeLessThanOrEqual(budget);
    expect(result.traces).toBeGreaterThan(0);
    expect(result.traces).toBeLessThan(400);
    // Oldest first: what is left is exactly the newest traces.
    const left = store.newestIds(400);
    expect([...left].sort()).toEqual(traces.slice(result.traces).map((t) => t.id).sort());
    expect(result.pages_freed).toBeGreaterThan(0);
    expect(db.pragma('page_count', { simple: true }) as number).toBeLessThan(pagesBefore);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('sweeps on the importer thread while it goes on storing traces', async () => {
    const { db, store, writer } = storeWithWriter(cleanups);
    cleanups.push(() => writer.close());
    for (let i = 0; i < 200; i++) writer.write(toRecord(turn(NOW - 60 * DAY + i, text(300 + i, 500))));
    await writer.flush();
    expect(store.count()).toBe(200);
    const sweeping = writer.sweep({ before: NOW - 30 * DAY, maxBytes: null, batch: 20 }, () => Promise.reject(new Error('not inline')));
    const fresh = turn(NOW, 'new while sweeping');
    writer.write(toRecord(fresh));
    const result = await sweeping;
    await writer.flush();
    expect(result).toMatchObject({ traces: 200 });
    expect(store.has(fresh.id)).toBe(true);
    expect(store.count()).toBe(1);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('counts references to blobs stored before counting began (migration 7)', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const db = openDatabase(t.file);
    new TraceStore(db).insertMany([turn(NOW, 'one'), turn(NOW, 'two')]);
    const fromInserts = db.prepare('SELECT blob_id, refs FROM blob_refs ORDER BY blob_id').all();
    // Recount with the migration's own backfill, and compare.
    db.exec('DELETE FROM blob_refs');
    const sql = MIGRATIONS.find((m) => m.version === 7)!.sql;
    db.exec(sql.slice(sql.indexOf('INSERT INTO blob_refs')));
    expect(db.prepare('SELECT blob_id, refs FROM blob_refs ORDER BY blob_id').all()).toEqual(fromInserts);
    closeDatabase(db);
  });
});

