import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate, loadEvalFile, precision, recall } from '../local-gateway/guardrails/evaluation.js';
import { builtinPlan, Scanner } from '../local-gateway/guardrails/scanner.js';
import '../local-gateway/guardrails/index.js';

/**
 * The held-out sets of the span guardrails: cases written by someone who had not read the
 * detector or its own evaluation set, judged by the shared rules of evaluation.ts (as `npm
 * run bench:guardrails`). They guard against a detector that only fits the cases it was tuned
 * on. (prompt_injection's, judged per text, is in its own eval.test.ts.)
 */
for (const guardrail of ['pii', 'secrets'] as const) {
  describe(`${guardrail} held-out set`, () => {
    const heldout = loadEvalFile(fileURLToPath(new URL(`fixtures/guardrails/heldout/${guardrail}.jsonl`, import.meta.url)));

    it('is large enough: ≥ 80 cases, about half of them hard negatives', () => {
      const negatives = heldout.cases.filter((c) => c.expect.length === 0).length;
      expect(heldout.cases.length).toBeGreaterThanOrEqual(80);
      expect(negatives).toBeGreaterThanOrEqual(0.4 * heldout.cases.length);
      expect(new Set(heldout.cases.map((c) => c.id)).size).toBe(heldout.cases.length);
    });

    it('precision ≥ 0.95 and recall ≥ 0.95', async () => {
      const report = await evaluate([heldout], new Scanner(builtinPlan([guardrail]).rules));
      const t = report.byGuardrail.get(guardrail)!;
      const misses = report.misses.map((m) => `${m.case}: ${m.kind} ${m.type} ${m.detail}`).join('\n');
      console.log(`${guardrail} held-out: ${heldout.cases.length} cases, tp ${t.tp}, fp ${t.fp}, fn ${t.fn}, precision ${precision(t).toFixed(3)}, recall ${recall(t).toFixed(3)}`);
      expect(precision(t), misses).toBeGreaterThanOrEqual(0.95);
      expect(recall(t), misses).toBeGreaterThanOrEqual(0.95);
    });
  });
}
