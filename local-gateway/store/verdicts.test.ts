import { afterEach, describe, expect, it } from 'vitest';
import type { Verdict } from '../policy/schema.js';
import { makeTrace, storeWithWriter, toRecord } from './testing.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const s = storeWithWriter(cleanups);
  cleanups.push(() => s.writer.close());
  return s;
}

const v = (over: Partial<Verdict>): Verdict => ({
  tier: 'prod',
  enforced: false,
  stage: 'metadata',
  rule: 'metadata.ticket_id',
  decision: 'block',
  mode: 'enforce',
  findings: [],
  reason: 'prod requires metadata key ticket_id: send x-gatehouse-metadata.',
  ...over,
});

describe('verdict storage', () => {
  it('round-trips every verdict of a trace through the journal and the importer thread, in order', async () => {
    const { store, writer, errors } = setup();
    const verdicts = [
      v({ tier: 'dev', enforced: true, stage: 'input_guardrails', rule: 'pii', decision: 'allow', mode: 'audit', reason: 'nothing found' }),
      v({}),
      v({ stage: 'input_guardrails', rule: 'pii', decision: 'mutate', findings: [{ type: 'email', start: 3, end: 18 }] }),
      v({ stage: 'rate_limits', rule: 'per-user', retry_after_s: 42, findings: [{ type: 'requests', detail: '20+1>20 user=ada' }] }),
    ];
    const trace = makeTrace({ verdicts });
    writer.write(toRecord(trace));
    await writer.flush();
    expect(store.get(trace.id)).toEqual(trace);
    expect(store.get(trace.id)!.verdicts[3]!.retry_after_s).toBe(42);
    expect(errors).toEqual([]);
  });

  it('summarises what fired per tier and rule in a window, newest trace ids first', async () => {
    const { store, writer } = setup();
    // Ids are UUIDv7 and never go back in time within a process: the window starts after any id made so far.
    const base = Date.now() + 3_600_000;
    const traces = Array.from({ length: 12 }, (_, i) =>
      makeTrace({
        started_at: base + i * 60_000,
        verdicts: [
          v({ tier: 'dev', enforced: true, stage: 'input_guardrails', rule: 'pii', decision: i % 3 === 0 ? 'mutate' : 'allow', mode: 'audit' }),
          ...(i % 2 === 0 ? [v({})] : []),
          v({ stage: 'rate_limits', rule: 'per-user', decision: i >= 9 ? 'block' : 'allow' }),
          v({ stage: 'input_guardrails', rule: 'pii', decision: i % 3 === 0 ? 'mutate' : 'allow' }),
        ],
      }),
    );
    for (const t of traces) writer.write(toRecord(t));
    await writer.flush();
    const ids = (pick: (i: number) => boolean) => traces.map((t, i) => (pick(i) ? t.id : null)).filter((x) => x !== null).reverse();

    const all = store.verdicts.summary(base);
    // dev's pii is an audit rule: it fired but blocked nothing. prod blocked on metadata and the limit.
    expect(all.map((t) => [t.tier, t.enforced, t.traces, t.blocked])).toEqual([
      ['dev', true, 4, 0],
      ['prod', false, 9, 8],
    ]);
    const prod = all[1]!.rules;
    expect(prod.map((r) => [r.stage, r.rule, r.count, r.block, r.mutate])).toEqual([
      ['metadata', 'metadata.ticket_id', 6, 6, 0],
      ['input_guardrails', 'pii', 4, 0, 4],
      ['rate_limits', 'per-user', 3, 3, 0],
    ]);
    expect(prod[0]!.newest_trace_ids).toEqual(ids((i) => i % 2 === 0).slice(0, 5));
    expect(prod[2]!.newest_trace_ids).toEqual(ids((i) => i >= 9));

    // The window starts at the 7th trace; the tier filter keeps prod only.
    const late = store.verdicts.summary(base + 6 * 60_000, 'prod');
    expect(late.map((t) => t.tier)).toEqual(['prod']);
    expect(late[0]!.rules.find((r) => r.rule === 'metadata.ticket_id')!.count).toBe(3);
    expect(store.countSince(base + 6 * 60_000)).toBe(6);
    expect(store.verdicts.summary(base + 12 * 60_000)).toEqual([]);
  });

  it('drops a trace\'s verdicts with the trace', () => {
    const { db, store } = setup();
    const trace = makeTrace({ verdicts: [v({})] });
    store.insert(trace);
    expect(store.verdicts.forTrace(trace.id)).toHaveLength(1);
    // Retention deletes traces; their verdicts must not outlive them.
    db.prepare('DELETE FROM traces WHERE id = ?').run(trace.id);
    expect(store.verdicts.forTrace(trace.id)).toEqual([]);
  });
});
