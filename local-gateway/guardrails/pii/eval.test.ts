import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate, loadEvalFile, missLines, precision, recall, typedTally, type Tally } from '../evaluation.js';
import { builtinPlan, Scanner } from '../scanner.js';

/**
 * Precision and recall of the pii guardrail (default config) on the labelled set
 * `test/fixtures/guardrails/eval/pii.jsonl`: positives of every entity and hard negatives
 * from developer traffic, judged by the rules every evaluation shares
 * (`guardrails/evaluation.ts`): every occurrence of a value counts, so the same address
 * twice in a traceback is found twice; a finding of another type is a miss and a false positive.
 */
const EVAL = fileURLToPath(new URL('../../../test/fixtures/guardrails/eval/pii.jsonl', import.meta.url));
const evalFile = loadEvalFile(EVAL);
const { cases } = evalFile;

describe('pii evaluation set', () => {
  it('has at least 130 cases: 60 positives over all six entities and 70 hard negatives', () => {
    const positives = cases.filter((c) => c.expect.length > 0);
    expect(positives.length).toBeGreaterThanOrEqual(60);
    expect(cases.length - positives.length).toBeGreaterThanOrEqual(70);
    const types = new Set(positives.flatMap((c) => c.expect.map((e) => e.type)));
    expect([...types].sort()).toEqual(['credit_card', 'email', 'iban', 'ip_address', 'phone', 'ssn']);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('meets precision ≥ 0.95 and recall ≥ 0.95', async () => {
    const report = await evaluate([evalFile], new Scanner(builtinPlan(['pii']).rules));
    const row = (type: string, t: Tally) => `${type.padEnd(12)} precision ${precision(t).toFixed(3)}  recall ${recall(t).toFixed(3)}  (tp ${t.tp}, fp ${t.fp}, fn ${t.fn})`;
    const rows = [...report.byType].filter(([k]) => k.startsWith('pii/')).sort().map(([k, t]) => row(k.slice(4), t));
    const sum = typedTally(report, 'pii');
    console.log([...rows, row('all', sum), ...missLines(report)].join('\n'));
    expect(precision(sum)).toBeGreaterThanOrEqual(0.95);
    expect(recall(sum)).toBeGreaterThanOrEqual(0.95);
  });
});
