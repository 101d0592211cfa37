import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { evaluate, loadEvalFile, precision, recall } from '../evaluation.js';
import { builtinPlan, Scanner } from '../scanner.js';
import '../index.js';

/**
 * The held-out set: cases written by someone who had not read this detector or its own
 * evaluation set, judged by the shared rules of evaluation.ts (as `npm run bench:guardrails`).
 * It guards against a detector that only fits the cases it was tuned on.
 */
const FILE = fileURLToPath(new URL('../../../test/fixtures/guardrails/heldout/pii.jsonl', import.meta.url));

describe('pii held-out set', () => {
  const heldout = loadEvalFile(FILE);

  it('is large enough: ≥ 80 cases, about half of them hard negatives', () => {
    const negatives = heldout.cases.filter((c) => c.expect.length === 0).length;
    expect(heldout.cases.length).toBeGreaterThanOrEqual(80);
    expect(negatives).toBeGreaterThanOrEqual(0.4 * heldout.cases.length);
    expect(new Set(heldout.cases.map((c) => c.id)).size).toBe(heldout.cases.length);
  });

  it('precision ≥ 0.95 and recall ≥ 0.95', async () => {
    const report = await evaluate([heldout], new Scanner(builtinPlan(['pii']).rules));
    const t = report.byGuardrail.get('pii')!;
    const misses = report.misses.map((m) => `${m.case}: ${m.kind} ${m.type} ${m.detail}`).join('\n');
    console.log(`pii held-out: ${heldout.cases.length} cases, tp ${t.tp}, fp ${t.fp}, fn ${t.fn}, precision ${precision(t).toFixed(3)}, recall ${recall(t).toFixed(3)}`);
    expect(precision(t), misses).toBeGreaterThanOrEqual(0.95);
    expect(recall(t), misses).toBeGreaterThanOrEqual(0.95);
  });
});
