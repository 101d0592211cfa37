import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7LowerBound } from '../core/ids.js';
import { countWindow, exportLines, unknownField } from './export.js';
import { makeTrace, storeWithWriter } from './testing.js';
import type { Trace } from './schema.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = Date.UTC(2026, 6, 1);
let seq = 0;
const at = (ms: number, over: Partial<Trace> = {}) => makeTrace({ id: `${uuidv7LowerBound(ms).slice(0, -12)}${String(seq++).padStart(12, '0')}`, started_at: ms, ...over });

function seeded() {
  const { db, store } = storeWithWriter(cleanups);
  store.insertMany([
    at(T0 - 1, { metadata: { cost_center: 'cc-0' } }),
    at(T0, { metadata: { cost_center: 'cc-1', note: 'a, "quoted"\nvalue' }, cost_usd: 0.5 }),
    at(T0 + 1000, {
      metadata: { cost_center: 'cc-2' },
      verdicts: [{ tier: 'prod', enforced: false, stage: 'input_guardrails', rule: 'pii', decision: 'block', mode: 'enforce', findings: [], reason: 'r' }],
    }),
    at(T0 + 2000, { metadata: { cost_center: 'cc-3' } }),
  ]);
  return db;
}

describe('export', () => {
  it('writes the window [since, until) oldest first as JSON lines with the chosen fields', () => {
    const db = seeded();
    const w = { since: T0, until: T0 + 2000 };
    expect(countWindow(db, w)).toBe(2);
    const lines = [...exportLines(db, w, 'jsonl', ['started_at', 'metadata.cost_center', 'cost_usd', 'fired', 'user'])].map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { started_at: new Date(T0).toISOString(), 'metadata.cost_center': 'cc-1', cost_usd: 0.5, fired: null, user: 'ada' },
      { started_at: new Date(T0 + 1000).toISOString(), 'metadata.cost_center': 'cc-2', cost_usd: 0.0000048, fired: 'prod:block:pii', user: 'ada' },
    ]);
  });

  it('quotes CSV cells as RFC 4180 says', () => {
    const db = seeded();
    const out = [...exportLines(db, { since: T0, until: T0 + 1 }, 'csv', ['metadata.note', 'status', 'metadata'])].join('');
    expect(out).toBe(`metadata.note,status,metadata\r\n"a, ""quoted""\nvalue",200,"{""cost_center"":""cc-1"",""note"":""a, \\""quoted\\""\\nvalue""}"\r\n`);
  });

  it('names an unknown field', () => {
    expect(unknownField(['user', 'metadata.team'])).toBeNull();
    expect(unknownField(['usr'])).toMatch(/^unknown field "usr": use id, started_at/);
  });
});
