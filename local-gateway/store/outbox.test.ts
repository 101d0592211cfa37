import { appendFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { storeWithWriter, makeTrace, toRecord } from './testing.js';
import { journalLine, TraceWriter } from './writer.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const s = storeWithWriter(cleanups);
  return { ...s, outbox: s.store.outbox };
}

const seqs = (s: ReturnType<typeof setup>) => s.outbox.oldest('dev-1', 1_000_000).map((r) => r.seq);

describe('outbox rows in the trace transaction', () => {
  it('writes nothing while no device is set', () => {
    const s = setup();
    s.store.insertMany([makeTrace(), makeTrace()]);
    expect(s.outbox.state()).toMatchObject({ device_id: null, next_seq: 1, depth: 0 });
    expect(s.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
  });

  it('gives each stored trace one record, seqs 1..N without gaps, and none to a trace whose insert fails', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    const first = makeTrace();
    s.store.insert(first);
    // A duplicate id fails inside the transaction: its seq is rolled back with it.
    expect(() => s.store.insert({ ...makeTrace(), id: first.id })).toThrow();
    // A batch with one bad trace rolls back whole, then the good ones are stored one by one.
    const batch = [makeTrace(), { ...makeTrace(), id: first.id }, makeTrace()];
    const failed: string[] = [];
    const writer = new TraceWriter(s.store, `${s.journal}.2`, s.file, (_e, id) => failed.push(id ?? ''));
    cleanups.push(() => writer.close());
    for (const t of batch) appendFileSync(`${s.journal}.2`, `${journalLine(toRecord(t))}\n`);
    writer.recover();
    expect(seqs(s)).toEqual([1, 2, 3]);
    expect(s.outbox.state()).toMatchObject({ next_seq: 4, depth: 3, dropped: 0 });
    const rows = s.outbox.oldest('dev-1', 10);
    expect(rows.map((r) => r.trace_id)).toEqual([first.id, batch[0]!.id, batch[2]!.id]);
    expect(new Set(rows.map((r) => r.record_id)).size).toBe(3);
    for (const r of rows) expect(r.record_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('carries the record fields of the trace, bodies left out', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    const t = makeTrace({
      policy_version: 7,
      verdicts: [{ tier: 'prod', enforced: false, stage: 'input_guardrails', rule: 'pii', decision: 'mutate', mode: 'enforce', findings: [{ type: 'email' }], reason: 'r' }],
    });
    s.store.insert(t);
    const row = s.outbox.oldest('dev-1', 1)[0]!;
    expect(row).toMatchObject({ seq: 1, trace_id: t.id, started_at: t.started_at, device_id: 'dev-1' });
    expect(JSON.parse(row.payload)).toEqual({
      duration_ms: t.duration_ms, api: t.api, tier: 'dev', status: 200, error_code: null,
      requested_model: t.requested_model, resolved_model: t.resolved_model, provider: 'openai',
      user: 'ada', team: 'platform', metadata: t.metadata, policy_version: 7,
      usage: { tokens_in: 12, tokens_out: 5, tokens_cached: null, tokens_reasoning: 2, cost_usd: t.cost_usd },
      verdicts: [{ tier: 'prod', rule: 'pii', stage: 'input_guardrails', decision: 'mutate', mode: 'enforce', enforced: false }],
    });
  });

  it('recovering a journal after a kill writes each record once, however often it is replayed', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    const traces = Array.from({ length: 6 }, () => makeTrace());
    // The importer had stored the first two before the process was killed.
    s.store.insertMany(traces.slice(0, 2));
    const lines = traces.map((t) => journalLine(toRecord(t))).join('\n');
    // …and the last line was cut short mid-write.
    appendFileSync(s.journal, `${lines}\n{"id":"cut`);
    expect(s.writer.recover()).toBe(4);
    appendFileSync(s.journal, `${lines}\n`);
    expect(s.writer.recover()).toBe(0);
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.outbox.oldest('dev-1', 10).map((r) => r.trace_id)).toEqual(traces.map((t) => t.id));
  });

  it('the importer thread writes records too', async () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    for (let i = 0; i < 5; i++) s.writer.write(toRecord(makeTrace()));
    await s.writer.flush();
    await s.writer.close();
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('outbox budget', () => {
  it('drop_oldest keeps the newest max_records, counts the drops and remembers their ranges', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    s.outbox.configure({ max_records: 3, overflow: 'drop_oldest' });
    for (let i = 0; i < 7; i++) s.store.insert(makeTrace());
    expect(seqs(s)).toEqual([5, 6, 7]);
    expect(s.outbox.state()).toMatchObject({ depth: 3, dropped: 4, next_seq: 8 });
    expect(s.outbox.droppedRanges(10)).toEqual([{ from_seq: 1, to_seq: 4, reason: expect.stringContaining('oldest') as string }]);
    // A lower budget takes effect at the next record.
    s.outbox.configure({ max_records: 1, overflow: 'drop_oldest' });
    s.store.insert(makeTrace());
    expect(seqs(s)).toEqual([8]);
    expect(s.outbox.droppedRanges(10).map((r) => [r.from_seq, r.to_seq])).toEqual([[1, 7]]);
  });

  it('drop_newest keeps the oldest and reports the new ones as dropped', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    s.outbox.configure({ max_records: 2, overflow: 'drop_newest' });
    for (let i = 0; i < 5; i++) s.store.insert(makeTrace());
    expect(seqs(s)).toEqual([1, 2]);
    expect(s.outbox.state()).toMatchObject({ depth: 2, dropped: 3, next_seq: 6 });
    expect(s.outbox.droppedRanges(10).map((r) => [r.from_seq, r.to_seq])).toEqual([[3, 5]]);
  });

  it('acknowledging deletes exactly the acknowledged seqs and reported ranges', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    s.outbox.configure({ max_records: 3, overflow: 'drop_oldest' });
    for (let i = 0; i < 5; i++) s.store.insert(makeTrace());
    expect(s.outbox.acknowledge('dev-1', [3, 4], [{ from_seq: 1, to_seq: 2 }])).toBe(2);
    expect(seqs(s)).toEqual([5]);
    expect(s.outbox.droppedRanges(10)).toEqual([]);
    expect(s.outbox.state().depth).toBe(1);
    // Another device's acknowledgement deletes nothing.
    expect(s.outbox.acknowledge('dev-2', [5])).toBe(0);
  });

  it('a range that grew while its batch was in flight keeps its new part for the next batch', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    s.outbox.configure({ max_records: 3, overflow: 'drop_oldest' });
    for (let i = 0; i < 5; i++) s.store.insert(makeTrace());
    const reported = s.outbox.droppedRanges(10);
    expect(reported.map((r) => [r.from_seq, r.to_seq])).toEqual([[1, 2]]);
    const inFlight = s.outbox.oldest('dev-1', 1).map((r) => r.seq);
    expect(inFlight).toEqual([3]);
    // Two more records drop 3 (in flight) and 4, extending the reported range to 1..4.
    for (let i = 0; i < 2; i++) s.store.insert(makeTrace());
    expect(s.outbox.droppedRanges(10).map((r) => [r.from_seq, r.to_seq])).toEqual([[1, 4]]);
    expect(s.outbox.state().dropped).toBe(4);
    s.outbox.acknowledge('dev-1', inFlight, reported);
    // 1..2 were reported and 3 was delivered after all: only 4 is still a loss to report.
    expect(s.outbox.droppedRanges(10).map((r) => [r.from_seq, r.to_seq])).toEqual([[4, 4]]);
    expect(s.outbox.state()).toMatchObject({ dropped: 3, depth: 3 });
    expect(seqs(s)).toEqual([5, 6, 7]);
  });

  it('a record dropped in the middle of a range while in flight splits it', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    s.outbox.configure({ max_records: 4, overflow: 'drop_oldest' });
    for (let i = 0; i < 4; i++) s.store.insert(makeTrace());
    const inFlight = s.outbox.oldest('dev-1', 4).map((r) => r.seq);
    s.outbox.configure({ max_records: 1, overflow: 'drop_oldest' });
    s.store.insert(makeTrace());
    expect(s.outbox.droppedRanges(10).map((r) => [r.from_seq, r.to_seq])).toEqual([[1, 4]]);
    // The central acknowledged 1 and 3 only (2 and 4 refused): those two stay reported losses.
    s.outbox.acknowledge('dev-1', [inFlight[0]!, inFlight[2]!]);
    expect(s.outbox.droppedRanges(10).map((r) => [r.from_seq, r.to_seq])).toEqual([[2, 2], [4, 4]]);
    expect(s.outbox.state()).toMatchObject({ dropped: 2, depth: 1 });
  });
});

describe('outbox device', () => {
  it('keeps the sequence across unenroll and re-enroll as the same device, restarts it for another', () => {
    const s = setup();
    s.outbox.setDevice('dev-1');
    s.store.insert(makeTrace());
    s.outbox.setDevice(null);
    s.store.insert(makeTrace());
    s.outbox.setDevice('dev-1');
    s.store.insert(makeTrace());
    expect(seqs(s)).toEqual([1, 2]);
    // The two records waiting for dev-1 can be sent as no one: they go, and the count says so.
    expect(s.outbox.setDevice('dev-2')).toBe(2);
    s.store.insert(makeTrace());
    expect(s.outbox.oldest('dev-2', 10).map((r) => r.seq)).toEqual([1]);
    expect(s.outbox.setDevice(null)).toBe(0);
    expect(s.outbox.setDevice('dev-2')).toBe(0);
    expect(seqs(s)).toEqual([]);
  });
});
