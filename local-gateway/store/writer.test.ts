import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from './db.js';
import type { Trace } from './schema.js';
import { makeTrace, storeWithWriter, toRecord } from './testing.js';
import { TraceStore } from './traces.js';
import { journalLine, TraceWriter } from './writer.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const setup = () => storeWithWriter(cleanups);

const journalLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('TraceWriter', () => {
  it('makes a trace durable in the journal at once; the importer thread indexes it', async () => {
    const { store, journal, writer, errors } = setup();
    cleanups.push(() => writer.close());
    const trace = makeTrace();
    writer.write(toRecord(trace));
    expect(journalLines(journal).map((l) => (JSON.parse(l) as Trace).id)).toEqual([trace.id]);
    await writer.flush();
    expect(store.get(trace.id)).toEqual(trace);
    // Once everything written is stored, the journal is emptied.
    expect(journalLines(journal)).toEqual([]);
    // Had the importer thread failed to start, the failure would be reported here.
    expect(errors).toEqual([]);
  });

  it('indexes a burst by itself, and flush resolves only once all of it is stored', async () => {
    const { store, writer } = setup();
    cleanups.push(() => writer.close());
    const traces = Array.from({ length: 600 }, () => makeTrace());
    for (const t of traces) writer.write(toRecord(t));
    await writer.flush();
    expect(store.count()).toBe(600);
    expect(traces.every((t) => store.has(t.id))).toBe(true);
  });

  it('hands over by byte range: traces with multi-byte text come through whole, batch after batch', async () => {
    const { store, writer, errors } = setup();
    cleanups.push(() => writer.close());
    const traces = Array.from({ length: 300 }, (_, i) =>
      makeTrace({ request_body: { model: 'm', messages: [{ role: 'user', content: `${'日本語 é 🙂 '.repeat(i % 7)}turn ${i}` }] } }),
    );
    for (const t of traces) writer.write(toRecord(t));
    await writer.flush();
    expect(traces.every((t) => JSON.stringify(store.get(t.id)?.request_body) === JSON.stringify(t.request_body))).toBe(true);
    // More are written after the journal was emptied: ranges start again at its beginning.
    const later = makeTrace({ request_body: { model: 'm', messages: [{ role: 'user', content: 'после' }] } });
    writer.write(toRecord(later));
    await writer.flush();
    expect(store.get(later.id)?.request_body).toEqual(later.request_body);
    expect(errors).toEqual([]);
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
    const writer2 = new TraceWriter(store2, journal, file, () => {});
    expect(writer2.recover()).toBe(2);
    expect(traces.map((t) => store2.has(t.id))).toEqual([true, true, true]);
    expect(journalLines(journal)).toEqual([]);
  });

  it('keeps a journal with an unreadable line that is not the last aside, and says so, rather than dropping it', () => {
    const { dir, file, journal } = setup();
    const [a, b] = [makeTrace(), makeTrace()];
    const text = `${JSON.stringify(a)}\n{"id": not json}\n${JSON.stringify(b)}\n{"id":"0190`;
    appendFileSync(journal, text);
    const db2 = openDatabase(file);
    cleanups.push(() => closeDatabase(db2));
    const store2 = new TraceStore(db2);
    const errors: unknown[] = [];
    expect(new TraceWriter(store2, journal, file, (err) => errors.push(err)).recover()).toBe(2);
    expect([a, b].map((t) => store2.has(t.id))).toEqual([true, true]);
    const aside = readdirSync(dir).filter((f) => f.startsWith('traces.journal.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(text);
    expect(errors.map((e) => (e as Error).message)).toEqual([`1 line(s) of the trace journal could not be read; the journal was kept as ${join(dir, aside[0]!)}`]);
    expect(journalLines(journal)).toEqual([]);
  });

  it('sets nothing aside when only the last line was cut short', () => {
    const { dir, file, journal } = setup();
    appendFileSync(journal, `${JSON.stringify(makeTrace())}\n{"id":"0190`);
    const db2 = openDatabase(file);
    cleanups.push(() => closeDatabase(db2));
    const errors: unknown[] = [];
    expect(new TraceWriter(new TraceStore(db2), journal, file, (err) => errors.push(err)).recover()).toBe(1);
    expect(errors).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('damaged'))).toEqual([]);
  });

  it('imports a journal line written before traces had tokens_reasoning, as null', () => {
    const { file, journal } = setup();
    const { tokens_reasoning: _, ...older } = makeTrace();
    appendFileSync(journal, `${JSON.stringify(older)}\n`);
    const db2 = openDatabase(file);
    cleanups.push(() => closeDatabase(db2));
    const store2 = new TraceStore(db2);
    expect(new TraceWriter(store2, journal, file, () => {}).recover()).toBe(1);
    expect(store2.get(older.id)).toMatchObject({ id: older.id, tokens_reasoning: null });
  });

  it('close stores everything still pending, and reports nothing', async () => {
    const { store, writer, errors } = setup();
    for (let i = 0; i < 20; i++) writer.write(toRecord(makeTrace()));
    await writer.flush();
    for (let i = 0; i < 20; i++) writer.write(toRecord(makeTrace()));
    await writer.close();
    expect(store.count()).toBe(40);
    expect(errors).toEqual([]);
  });

  it('reports a trace the store refuses without losing the rest of its batch', async () => {
    const { store, writer, errors } = setup();
    cleanups.push(() => writer.close());
    const dup = makeTrace();
    store.insert(dup);
    const good = [makeTrace(), makeTrace()];
    writer.write(toRecord(good[0]!));
    writer.write(toRecord(dup));
    writer.write(toRecord(good[1]!));
    await writer.flush();
    expect(good.map((t) => store.has(t.id))).toEqual([true, true]);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/UNIQUE/);
  });
});

/** The nice value of each thread of this process (field 19 of /proc/self/task/<tid>/stat), by thread id. */
function threadNice(): Map<string, number> {
  const nice = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nice.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return nice;
}

const linux = process.platform === 'linux';
if (!linux) console.warn(`writer.test.ts: the importer's thread priority is only lowered on Linux (this is ${process.platform}); that test is skipped`);

describe.runIf(linux)('the importer thread on Linux', () => {
  it('runs at a lower CPU priority than the request thread, which keeps its own', async () => {
    const before = threadNice();
    const { store, writer } = setup();
    cleanups.push(() => writer.close());
    const trace = makeTrace();
    writer.write(toRecord(trace));
    await writer.flush();
    expect(store.has(trace.id)).toBe(true);
    const lowered = [...threadNice()].filter(([tid, nice]) => nice === 10 && before.get(tid) !== 10);
    expect(lowered).toHaveLength(1);
    const self = readFileSync('/proc/thread-self/stat', 'utf8');
    expect(Number(self.slice(self.lastIndexOf(')') + 2).split(' ')[16])).toBe(0);
  });
});

describe('journalLine', () => {
  it('splices body text in as received and keeps a pretty-printed body on one line', () => {
    const trace = makeTrace();
    const request = '{\n  "model": "m",\r\n  "messages": [{"role": "user", "content": "line one\\nline two"}]\n}';
    const line = journalLine({ ...toRecord(trace), request });
    expect(line).not.toMatch(/[\r\n]/);
    const parsed = JSON.parse(line) as Trace;
    expect(parsed.request_body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'line one\nline two' }] });
    expect(parsed.response_body).toEqual(trace.response_body);
    expect(parsed.id).toBe(trace.id);
  });
});
