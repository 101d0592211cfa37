import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate, loadEvalFile, missLines, precision, recall, typedTally } from '../evaluation.js';
import { builtinPlan, Scanner } from '../scanner.js';

/**
 * Precision and recall of the secrets guardrail (default config) on its labelled evaluation
 * set, judged by the rules every evaluation shares (`guardrails/evaluation.ts`): a value is
 * found when a finding of the expected type overlaps any of its occurrences; any other
 * finding is a false positive.
 */
const FILE = fileURLToPath(new URL('../../../test/fixtures/guardrails/eval/secrets.jsonl', import.meta.url));
const evalFile = loadEvalFile(FILE);
const { cases } = evalFile;

describe('secrets evaluation set', () => {
  it('is large enough: ≥ 130 cases, ≥ 60 positives, ≥ 70 hard negatives', () => {
    const positives = cases.filter((c) => c.expect.some((e) => e.guardrail === 'secrets'));
    expect(cases.length).toBeGreaterThanOrEqual(130);
    expect(positives.length).toBeGreaterThanOrEqual(60);
    expect(cases.length - positives.length).toBeGreaterThanOrEqual(70);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    // Every expected value is in its text (the loader refuses a file where one is not).
    for (const c of cases) for (const e of c.expect) expect(c.text.includes(e.value!), `${c.id}: value not in text`).toBe(true);
  });

  it('precision ≥ 0.95 and recall ≥ 0.95', async () => {
    const report = await evaluate([evalFile], new Scanner(builtinPlan(['secrets']).rules));
    const t = typedTally(report, 'secrets');
    const misses = missLines(report);
    console.log(`secrets eval: ${cases.length} cases, tp ${t.tp}, fp ${t.fp}, fn ${t.fn}, precision ${precision(t).toFixed(3)}, recall ${recall(t).toFixed(3)}`);
    expect(precision(t), misses.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(recall(t), misses.join('\n')).toBeGreaterThanOrEqual(0.95);
  });
});
