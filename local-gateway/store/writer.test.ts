import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from './db.js';
import type { Trace } from './schema.js';
import { makeTrace, tempDir } from './testing.js';
import { TraceStore } from './traces.js';
import { TraceWriter } from './writer.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function setup() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const db = openDatabase(t.file);
  cleanups.push(() => closeDatabase(db));
  const store = new TraceStore(db);
  const journal = join(t.dir, 'traces.journal');
  const errors: unknown[] = [];
  const writer = new TraceWriter(store, journal, (err) => errors.push(err));
  return { ...t, db, store, journal, writer, errors };
}

const journalLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('TraceWriter', () => {
  it('makes a trace durable in the journal at once and moves it into the store on flush', () => {
    const { store, journal, writer, errors } = setup();
    cleanups.push(() => writer.close());
    const trace = makeTrace();
    writer.write(trace);
    expect(journalLines(journal).map((l) => (JSON.parse(l) as Trace).id)).toEqual([trace.id]);
    expect(store.has(trace.id)).toBe(false);
    writer.flush();
    expect(store.get(trace.id)).toEqual(trace);
    // Once everything written is stored, the journal is emptied.
    expect(journalLines(journal)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('moves written traces into the store by itself within milliseconds', async () => {
    const { store, writer } = setup();
    cleanups.push(() => writer.close());
    const traces = Array.from({ length: 300 }, () => makeTrace());
    for (const t of traces) writer.write(t);
    const deadline = Date.now() + 2000;
    while (store.count() < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(store.count()).toBe(300);
    expect(traces.every((t) => store.has(t.id))).toBe(true);
  });

  it('imports what a killed run left in the journal, skipping stored ids and a cut-off line', () => {
    const { file, store, journal } = setup();
    const traces = Array.from({ length: 3 }, () => makeTrace());
    // What a killed gateway leaves: journal lines, one of them already stored, the last cut off.
    appendFileSync(journal, traces.map((t) => `${JSON.stringify(t)}\n`).join('') + '{"id":"0190');
    store.insert(traces[0]!);
    const db2 = openDatabase(file);
    cleanups.push(() => closeDatabase(db2));
    const store2 = new TraceStore(db2);
    const writer2 = new TraceWriter(store2, journal, () => {});
    expect(writer2.recover()).toBe(2);
    expect(traces.map((t) => store2.has(t.id))).toEqual([true, true, true]);
    expect(journalLines(journal)).toEqual([]);
  });

  it('close stores everything still pending', () => {
    const { store, writer } = setup();
    const traces = Array.from({ length: 20 }, () => makeTrace());
    for (const t of traces) writer.write(t);
    writer.close();
    expect(store.count()).toBe(20);
  });

  it('reports a trace the store refuses without losing the rest of its batch', () => {
    const { store, writer, errors } = setup();
    cleanups.push(() => writer.close());
    const dup = makeTrace();
    store.insert(dup);
    const good = [makeTrace(), makeTrace()];
    writer.write(good[0]!);
    writer.write(dup);
    writer.write(good[1]!);
    writer.flush();
    expect(good.map((t) => store.has(t.id))).toEqual([true, true]);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/UNIQUE/);
  });
});
