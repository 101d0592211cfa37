/**
 * What the prompt_injection guardrail costs on agent-sized, code-heavy text:
 * `npx tsx bench/guardrails-injection.ts`. The text is ~500 KB of this repository's own
 * TypeScript, tests and README (an AI gateway: "prompt", "system", "instructions" and
 * "ignore" are everywhere), plus log lines and a stack trace, so the anchor prefilter sees
 * realistic hits. Prints cold throughput (a fresh check, nothing remembered), the cost of a
 * 50-turn conversation that grows to the same size, and precision/recall on the evaluation set.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createGuardrailCheck } from '../local-gateway/policy/engine/index.js';
import { readEval, scoreInjection } from '../test/helpers/injection-eval.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET = 500 * 1024;

function sources(dir: string, out: string[], ext: RegExp): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out, ext);
    else if (ext.test(name)) out.push(path);
  }
}

/** ~500 KB of the given source trees, after some log lines. */
function codeHeavyText(dirs: string[], ext: RegExp): string {
  const files: string[] = [];
  for (const d of dirs) sources(join(ROOT, d), files, ext);
  const log = Array.from({ length: 200 }, (_, i) => `2026-11-24T01:${String(i % 60).padStart(2, '0')}:00.000Z INFO request ${i} model=gpt-4o-mini status=200 dur=${i * 3}ms`).join('\n');
  let text = `${log}\n`;
  for (const f of files) {
    if (text.length >= TARGET) break;
    text += `\n// ===== ${f.slice(ROOT.length)} =====\n${readFileSync(f, 'utf8')}`;
  }
  return text.slice(0, TARGET);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** Median and best of cold scans: the best is the figure on an idle core, the median what a busy machine gives. */
async function cold(text: string, rounds = 21): Promise<{ median: number; best: number }> {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // A fresh check remembers nothing: every round is a cold scan.
    const check = createGuardrailCheck('prompt_injection');
    const t0 = performance.now();
    await check.scan([text]);
    ms.push(performance.now() - t0);
  }
  const s = sorted(ms);
  return { median: s[Math.floor(s.length / 2)]!, best: s[0]! };
}

/** A conversation of 50 turns growing to the text's size, each turn resending all before it. */
async function conversation(text: string): Promise<number> {
  const check = createGuardrailCheck('prompt_injection');
  const turns = 50;
  const step = Math.ceil(text.length / turns);
  const messages: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < turns; i++) {
    messages.push(text.slice(i * step, (i + 1) * step));
    await check.scan([...messages]);
  }
  return performance.now() - t0;
}

const corpora = [
  { name: 'this repository (TS, tests, README)', text: codeHeavyText(['local-gateway', 'test', 'sync', 'bench'], /\.(ts|md)$/) },
  { name: 'fastify + undici (JS)', text: codeHeavyText(['node_modules/fastify/lib', 'node_modules/undici/lib'], /\.js$/) },
];
for (const { name, text } of corpora) {
  const mb = text.length / 1e6;
  await cold(text, 3);
  const c = await cold(text);
  const rate = (ms: number) => (mb / (ms / 1000)).toFixed(0);
  console.log(`cold scan, ${name}, ${(text.length / 1024).toFixed(0)} KiB: median ${c.median.toFixed(1)} ms (${rate(c.median)} MB/s), best ${c.best.toFixed(1)} ms (${rate(c.best)} MB/s)`);
  // Each run starts from a fresh check; the median of five, against the median cold scan.
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(await conversation(text));
  const conv = sorted(runs);
  const convMs = conv[Math.floor(conv.length / 2)]!;
  console.log(`  50-turn conversation growing to it: median ${convMs.toFixed(1)} ms in all = ${(convMs / c.median).toFixed(2)}× one cold scan`);
}
const score = await scoreInjection(readEval('prompt_injection'));
console.log(
  `evaluation: ${score.positives} attacks, ${score.negatives} benign; recall ${score.recall.toFixed(3)}, false-positive rate ${score.falsePositiveRate.toFixed(3)}`,
);
if (score.missed.length) console.log(`  missed: ${score.missed.join('; ')}`);
if (score.falseAlarms.length) console.log(`  false alarms: ${score.falseAlarms.join('; ')}`);
