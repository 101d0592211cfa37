/**
 * Recall and false-positive rate of `prompt_injection` on labelled JSON-lines suites whose
 * texts must not be looked at: `npx tsx bench/injection-suite.ts PATH... [--threshold X]`.
 *
 * A line is `{text, injection, category?, kind?}` (a public red-team suite, a blind set) or an
 * evaluation case `{text, expect}`. A text counts as caught when the guardrail reports any
 * finding in it. `kind`, when it is a message kind (`system`, `user`, `assistant`, `tool`),
 * is passed to the detector as the gateway would; any other kind only groups the figures.
 * Only aggregates are printed — counts and rates per category of attack and per kind of
 * benign text — never a text, an id or a note, so the suite stays unseen and can be run again
 * as a first-sight measure.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import '../local-gateway/guardrails/index.js';
import { createGuardrailCheck, slotTexts, type TextKind } from '../local-gateway/policy/engine/index.js';

interface Row {
  text: string;
  injection: boolean;
  group: string;
  kind: TextKind | undefined;
}

const MESSAGE_KINDS = new Set<string>(['system', 'user', 'assistant', 'tool']);

function rows(path: string): Row[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const o = JSON.parse(l) as { text: string; injection?: boolean; category?: string; kind?: string; expect?: { guardrail: string }[] };
      const injection = o.injection ?? (o.expect ?? []).some((e) => e.guardrail === 'prompt_injection');
      const kind = o.kind !== undefined && MESSAGE_KINDS.has(o.kind) ? (o.kind as TextKind) : undefined;
      const group = injection ? (o.category ?? 'injection') : (o.kind ?? o.category ?? 'benign');
      return { text: o.text, injection, group, kind };
    });
}

const { values, positionals } = parseArgs({ options: { threshold: { type: 'string' }, 'phrases-only': { type: 'boolean' } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error('usage: tsx bench/injection-suite.ts PATH... [--threshold X] [--phrases-only]');
  process.exit(1);
}
// --phrases-only measures the phrase scorer alone (`learned: false`), for a side-by-side figure.
const config = { ...(values.threshold === undefined ? {} : { threshold: Number(values.threshold) }), ...(values['phrases-only'] ? { learned: false } : {}) };

for (const path of positionals) {
  const tally = new Map<string, { injection: boolean; n: number; hit: number }>();
  // One check per file: a text's verdict depends only on the text and its kind, never on the lines before it.
  const check = createGuardrailCheck('prompt_injection', config);
  for (const r of rows(resolve(path))) {
    const found = await check.scan(slotTexts([{ text: r.text, kind: r.kind, set: () => undefined }]));
    const key = `${r.injection ? 'attack' : 'benign'}\u0000${r.group}`;
    const t = tally.get(key) ?? { injection: r.injection, n: 0, hit: 0 };
    t.n++;
    if (found.length > 0) t.hit++;
    tally.set(key, t);
  }
  const all = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
  const attacks = all.filter(([, t]) => t.injection);
  const benign = all.filter(([, t]) => !t.injection);
  const sum = (xs: typeof all) => xs.reduce((acc, [, t]) => ({ n: acc.n + t.n, hit: acc.hit + t.hit }), { n: 0, hit: 0 });
  const rate = (hit: number, n: number) => (n === 0 ? '   —' : (hit / n).toFixed(3));
  const name = (k: string) => k.split('\u0000')[1]!;
  console.log(`${path}${values.threshold === undefined ? '' : ` (threshold ${values.threshold})`}`);
  for (const [k, t] of attacks) console.log(`  recall ${name(k).padEnd(26)} ${String(t.hit).padStart(4)}/${String(t.n).padEnd(4)} ${rate(t.hit, t.n)}`);
  const a = sum(attacks);
  console.log(`  recall ${'overall'.padEnd(26)} ${String(a.hit).padStart(4)}/${String(a.n).padEnd(4)} ${rate(a.hit, a.n)}`);
  for (const [k, t] of benign) console.log(`  FPR    ${name(k).padEnd(26)} ${String(t.hit).padStart(4)}/${String(t.n).padEnd(4)} ${rate(t.hit, t.n)}`);
  const b = sum(benign);
  if (benign.length > 1) console.log(`  FPR    ${'overall'.padEnd(26)} ${String(b.hit).padStart(4)}/${String(b.n).padEnd(4)} ${rate(b.hit, b.n)}`);
}
