import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../../local-gateway/guardrails/index.js';
import { createGuardrailCheck } from '../../local-gateway/policy/engine/index.js';

/** One labelled case of an evaluation file (`test/fixtures/guardrails/eval/*.jsonl`). */
export interface EvalCase {
  id: string;
  text: string;
  expect: { guardrail: string; type: string; value?: string }[];
  note?: string;
}

export function readEval(name: string): EvalCase[] {
  const file = fileURLToPath(new URL(`../fixtures/guardrails/eval/${name}.jsonl`, import.meta.url));
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EvalCase);
}

export interface InjectionScore {
  positives: number;
  negatives: number;
  /** Positive texts with a finding of the expected type. */
  recall: number;
  /** Negative texts with any finding. */
  falsePositiveRate: number;
  missed: string[];
  falseAlarms: string[];
}

/** Judges prompt_injection per text, as its cases are labelled: a positive needs a finding of its type, a negative none at all. */
export async function scoreInjection(cases: readonly EvalCase[], config: Record<string, unknown> = {}): Promise<InjectionScore> {
  const check = createGuardrailCheck('prompt_injection', config);
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  let positives = 0;
  let negatives = 0;
  for (const c of cases) {
    const found = await check.scan([c.text]);
    const want = c.expect.filter((e) => e.guardrail === 'prompt_injection');
    if (want.length === 0) {
      negatives++;
      if (found.length > 0) falseAlarms.push(`${c.id} (${found.map((f) => f.type).join(', ')})`);
    } else {
      positives++;
      if (!want.every((w) => found.some((f) => f.type === w.type))) missed.push(`${c.id} (got ${found.map((f) => f.type).join(', ') || 'nothing'})`);
    }
  }
  return {
    positives,
    negatives,
    recall: positives === 0 ? 1 : (positives - missed.length) / positives,
    falsePositiveRate: negatives === 0 ? 0 : falseAlarms.length / negatives,
    missed,
    falseAlarms,
  };
}
