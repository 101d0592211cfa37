/**
 * Precision and recall of the guardrails on labelled cases: `npm run bench:guardrails`.
 *
 *   tsx bench/guardrails-eval.ts [--file PATH]... [--policy FILE --tier T] [--all] [--verbose]
 *
 * Reads every `test/fixtures/guardrails/eval/*.jsonl` (or only the --file ones, e.g. a
 * held-out set), scans each case with the built-in set (pii, secrets, prompt_injection;
 * the types this build has) or with a policy tier's guardrails, through the same scanner as
 * `gatehouse guardrails scan`, and prints TP/FP/FN, precision, recall and F1 per guardrail
 * and per type. --verbose lists every miss by case id; --all judges every guardrail on
 * every case instead of only the ones a file is about.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluate, f1, falsePositiveRate, loadEvalFile, precision, recall, type EvalReport, type Tally } from '../local-gateway/guardrails/evaluation.js';
import { builtinPlan, Scanner, tierPlan, type ScanPlan } from '../local-gateway/guardrails/scanner.js';
import { resolveTier } from '../local-gateway/policy/schema.js';
import { loadPolicyFile } from '../local-gateway/policy/source.js';

const EVAL_DIR = fileURLToPath(new URL('../test/fixtures/guardrails/eval/', import.meta.url));

const { values } = parseArgs({
  options: {
    file: { type: 'string', multiple: true },
    policy: { type: 'string' },
    tier: { type: 'string' },
    all: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

function evalFiles(): string[] {
  if (values.file?.length) return values.file.map((f) => resolve(f));
  try {
    return readdirSync(EVAL_DIR).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(EVAL_DIR, f));
  } catch {
    return [];
  }
}

function plan(): ScanPlan {
  if (values.policy === undefined) {
    if (values.tier !== undefined) throw new Error('--tier needs --policy FILE');
    return builtinPlan();
  }
  const bundle = loadPolicyFile(resolve(values.policy));
  const tier = values.tier ?? Object.keys(bundle.tiers)[0]!;
  return tierPlan(resolveTier(bundle, tier));
}

const pct = (x: number) => (Number.isNaN(x) ? '   —' : x.toFixed(3));

function row(name: string, t: Tally, width: number, perText: boolean): string {
  const fpr = perText ? `  FPR ${pct(falsePositiveRate(t))} of ${t.negatives}` : '';
  const mis = t.mismatch ? `  (${t.mismatch} type mismatch)` : '';
  return `${name.padEnd(width)}  ${String(t.tp).padStart(5)} ${String(t.fp).padStart(5)} ${String(t.fn).padStart(5)}   ${pct(precision(t))}  ${pct(recall(t))}  ${pct(f1(t))}${fpr}${mis}`;
}

function print(r: EvalReport, files: string[]): void {
  const names = [...r.byGuardrail.keys(), ...r.byType.keys()];
  const width = Math.max(12, ...names.map((n) => n.length + 2));
  console.log(`${r.cases} cases from ${files.length} file(s)`);
  console.log(`${'guardrail / type'.padEnd(width)}     TP    FP    FN   prec.  recall  F1`);
  for (const [g, t] of [...r.byGuardrail].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(row(g, t, width, r.perText.has(g)));
    for (const [k, tt] of [...r.byType].filter(([k]) => k.startsWith(`${g}/`)).sort(([a], [b]) => a.localeCompare(b))) console.log(row(`  ${k.slice(g.length + 1)}`, tt, width, false));
  }
  for (const [g, n] of r.notRun) console.log(`${g}: ${n} expectation(s) not judged: this build or tier does not run it`);
  if (values.verbose && r.misses.length) {
    console.log('\nmisses:');
    for (const m of r.misses) console.log(`  ${m.case.padEnd(24)} ${m.kind.padEnd(15)} ${m.guardrail}/${m.type}  ${JSON.stringify(m.detail)}`);
  } else if (r.misses.length) console.log(`\n${r.misses.length} miss(es): --verbose lists them by case id`);
}

const files = evalFiles();
if (files.length === 0) {
  console.error(`No evaluation files: add test/fixtures/guardrails/eval/<name>.jsonl or pass --file PATH.`);
  process.exit(1);
}
const p = plan();
for (const note of p.notes) console.error(note);
const report = await evaluate(files.map(loadEvalFile), new Scanner(p.rules), { all: values.all });
print(report, files);
