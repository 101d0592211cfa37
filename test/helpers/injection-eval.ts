import { fileURLToPath } from 'node:url';
import { evaluate, loadEvalFile, type EvalCase } from '../../local-gateway/guardrails/evaluation.js';
import { Scanner } from '../../local-gateway/guardrails/scanner.js';
import { GuardrailSchema } from '../../local-gateway/policy/schema.js';

export type { EvalCase } from '../../local-gateway/guardrails/evaluation.js';

/** The cases of one evaluation file (`test/fixtures/guardrails/eval/<name>.jsonl`), checked as the evaluation runner checks them. */
export function readEval(name: string): EvalCase[] {
  return loadEvalFile(fileURLToPath(new URL(`../fixtures/guardrails/eval/${name}.jsonl`, import.meta.url))).cases;
}

export interface InjectionScore {
  positives: number;
  negatives: number;
  /** Positive texts with a finding of every expected type. */
  recall: number;
  /** Negative texts with any finding. */
  falsePositiveRate: number;
  missed: string[];
  falseAlarms: string[];
}

/**
 * Judges prompt_injection per text, by the rules every evaluation shares
 * (`guardrails/evaluation.ts`): a positive needs a finding of each expected type, a negative
 * none at all.
 */
export async function scoreInjection(cases: readonly EvalCase[], config: Record<string, unknown> = {}): Promise<InjectionScore> {
  const rule = GuardrailSchema.parse({ id: 'prompt_injection', type: 'prompt_injection', hook: 'llm_input', action: 'validate', config });
  const report = await evaluate([{ file: 'prompt_injection.jsonl', cases: [...cases] }], new Scanner([rule]));
  const t = report.byGuardrail.get('prompt_injection') ?? { tp: 0, fn: 0, negatives: 0 };
  const positives = t.tp + t.fn;
  const negatives = t.negatives;
  const ours = report.misses.filter((m) => m.guardrail === 'prompt_injection');
  const missed = [...new Set(ours.filter((m) => m.kind !== 'false positive').map((m) => m.case))].map((id) => {
    const got = ours.find((m) => m.case === id && m.kind === 'type mismatch')?.detail.replace(/^found /, '');
    return `${id} (got ${got ?? 'nothing'})`;
  });
  const falseAlarms = ours.filter((m) => m.kind === 'false positive').map((m) => `${m.case} (${m.type.split(',').join(', ')})`);
  return {
    positives,
    negatives,
    recall: positives === 0 ? 1 : (positives - missed.length) / positives,
    falsePositiveRate: negatives === 0 ? 0 : falseAlarms.length / negatives,
    missed,
    falseAlarms,
  };
}
