import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runGuardrails } from '../../policy/engine/guardrails.js';
import type { RequestFacts } from '../../policy/engine/facts.js';
import { GuardrailSchema, type ResolvedTier } from '../../policy/schema.js';
import '../index.js';

/**
 * Precision and recall of the secrets guardrail on its labelled evaluation set, run the way
 * the pipeline runs it (`runGuardrails`, default config). A finding counts when its type is the
 * expected one and its span covers the expected value; any other finding is a false positive.
 */
interface Case {
  id: string;
  text: string;
  expect: { guardrail: string; type: string; value?: string }[];
}

const FILE = new URL('../../../test/fixtures/guardrails/eval/secrets.jsonl', import.meta.url);
const cases = readFileSync(FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Case);

const tier = { guardrails: [GuardrailSchema.parse({ id: 'secrets', type: 'secrets', hook: 'llm_input', action: 'validate', mode: 'audit' })] } as unknown as ResolvedTier;

async function findings(text: string) {
  const { verdicts } = await runGuardrails(tier, 'llm_input', {} as RequestFacts, [text], { tier: 'eval', enforced: false });
  return verdicts.flatMap((v) => v.findings).map((f) => ({ type: f.type, start: f.start!, end: f.end! }));
}

describe('secrets evaluation set', () => {
  it('is large enough: ≥ 130 cases, ≥ 60 positives, ≥ 70 hard negatives', () => {
    const positives = cases.filter((c) => c.expect.some((e) => e.guardrail === 'secrets'));
    expect(cases.length).toBeGreaterThanOrEqual(130);
    expect(positives.length).toBeGreaterThanOrEqual(60);
    expect(cases.length - positives.length).toBeGreaterThanOrEqual(70);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('precision ≥ 0.95 and recall ≥ 0.95', async () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const misses: string[] = [];
    for (const c of cases) {
      const found = await findings(c.text);
      const used = new Set<number>();
      for (const e of c.expect.filter((x) => x.guardrail === 'secrets')) {
        const at = c.text.indexOf(e.value!);
        expect(at, `${c.id}: value not in text`).toBeGreaterThanOrEqual(0);
        const i = found.findIndex((f, k) => !used.has(k) && f.type === e.type && f.start <= at && f.end >= at + e.value!.length);
        if (i === -1) {
          fn++;
          misses.push(`${c.id}: missed ${e.type}`);
        } else {
          used.add(i);
          tp++;
        }
      }
      found.forEach((f, k) => {
        if (used.has(k)) return;
        fp++;
        misses.push(`${c.id}: unexpected ${f.type}`);
      });
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(`secrets eval: ${cases.length} cases, tp ${tp}, fp ${fp}, fn ${fn}, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
    expect(precision, misses.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(recall, misses.join('\n')).toBeGreaterThanOrEqual(0.95);
  });
});
