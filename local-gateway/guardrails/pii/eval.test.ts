import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Guardrail } from '../../policy/schema.js';
import { PII } from './index.js';

/**
 * Precision and recall of the pii guardrail (default config) on the labelled set
 * `test/fixtures/guardrails/eval/pii.jsonl`: positives of every entity and hard negatives
 * from developer traffic. A finding counts when it has the expected type and covers the
 * expected value; any other finding is a false positive.
 */

const EVAL = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/guardrails/eval/pii.jsonl');

const Case = z.strictObject({
  id: z.string(),
  text: z.string(),
  expect: z.array(z.strictObject({ guardrail: z.literal('pii'), type: z.string(), value: z.string() })),
  note: z.string(),
});

const cases = readFileSync(EVAL, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => Case.parse(JSON.parse(l)));

const rule = { id: 'pii', type: 'pii', hook: 'llm_input', action: 'validate', mode: 'enforce' } as Guardrail;
const check = PII.create(PII.config.parse({}), rule);

/** Every place a value occurs: the same address twice in a traceback is found twice. */
function occurrences(text: string, value: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let i = text.indexOf(value); i !== -1; i = text.indexOf(value, i + 1)) out.push({ start: i, end: i + value.length });
  return out;
}

interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

function evaluate() {
  const byType = new Map<string, Tally>();
  const tally = (t: string) => byType.get(t) ?? byType.set(t, { tp: 0, fp: 0, fn: 0 }).get(t)!;
  const misses: string[] = [];
  for (const c of cases) {
    const found = check.scan([c.text]) as { type: string; start: number; end: number }[];
    const expected = c.expect.map((e) => ({ type: e.type, spans: occurrences(c.text, e.value), value: e.value }));
    for (const e of expected) expect(e.spans.length, `${c.id}: "${e.value}" is not in the text`).toBeGreaterThan(0);
    for (const f of found) {
      const hit = expected.some((e) => e.type === f.type && e.spans.some((s) => f.start <= s.start && f.end >= s.end));
      tally(f.type)[hit ? 'tp' : 'fp']++;
      if (!hit) misses.push(`${c.id}: unexpected ${f.type} "${c.text.slice(f.start, f.end)}"`);
    }
    for (const e of expected) {
      const hit = found.some((f) => f.type === e.type && e.spans.some((s) => f.start <= s.start && f.end >= s.end));
      if (!hit) {
        tally(e.type).fn++;
        misses.push(`${c.id}: missed ${e.type} "${e.value}"`);
      }
    }
  }
  return { byType, misses };
}

describe('pii evaluation set', () => {
  it('has at least 130 cases: 60 positives over all six entities and 70 hard negatives', () => {
    const positives = cases.filter((c) => c.expect.length > 0);
    expect(positives.length).toBeGreaterThanOrEqual(60);
    expect(cases.length - positives.length).toBeGreaterThanOrEqual(70);
    const types = new Set(positives.flatMap((c) => c.expect.map((e) => e.type)));
    expect([...types].sort()).toEqual(['credit_card', 'email', 'iban', 'ip_address', 'phone', 'ssn']);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('meets precision ≥ 0.95 and recall ≥ 0.95', () => {
    const { byType, misses } = evaluate();
    const sum = { tp: 0, fp: 0, fn: 0 };
    const rows = [...byType].sort().map(([type, t]) => {
      sum.tp += t.tp;
      sum.fp += t.fp;
      sum.fn += t.fn;
      return `${type.padEnd(12)} precision ${(t.tp / Math.max(1, t.tp + t.fp)).toFixed(3)}  recall ${(t.tp / Math.max(1, t.tp + t.fn)).toFixed(3)}  (tp ${t.tp}, fp ${t.fp}, fn ${t.fn})`;
    });
    const precision = sum.tp / (sum.tp + sum.fp);
    const recall = sum.tp / (sum.tp + sum.fn);
    console.log([...rows, `${'all'.padEnd(12)} precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`, ...misses].join('\n'));
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});
