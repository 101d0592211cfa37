/**
 * How fast the guardrails scan code-heavy text: `npm run bench:guardrails-speed`.
 *
 * 1. Cold: ~1 MB of code-heavy text (bench/lib/code-corpus.ts) as 16 KB messages never seen
 *    before, scanned by the built-in set (pii, secrets, prompt_injection: the ones this build
 *    has) on the main thread; MB/s (10^6 UTF-8 bytes) of the median of 5 rounds.
 * 2. Conversation: 50 turns growing to ~500 KB; each turn sends the whole history as
 *    separate texts, freshly parsed from JSON as the gateway would, and the total time of all
 *    50 scans is compared with one cold scan of the final state (fastest of 5 plays per turn). Target: ≤ 2×.
 * 3. Per type: each registered type alone, cold, with its default config (deny_regex and
 *    topic, which need one, with a typical policy's patterns and topics), and prompt_injection
 *    once more with its learned classifier off, so the classifier's cost shows in the same run.
 * With none of the built-in types in this build, 1 and 2 run the types it does have.
 */
import { performance } from 'node:perf_hooks';
import { builtinPlan, Scanner } from '../local-gateway/guardrails/scanner.js';
import { hasGuardrailType } from '../local-gateway/policy/engine/guardrails.js';
import { GuardrailSchema, type Guardrail } from '../local-gateway/policy/schema.js';
import { codeText, turnMessage } from './lib/code-corpus.js';

/** Settings for types whose default config is not enough to build them. */
const BENCH_CONFIG: Record<string, Record<string, unknown>> = {
  deny_regex: { patterns: ['\\b[a-z0-9-]+\\.corp\\.acme\\.internal\\b', '(?i)project[-_ ]nightjar', '\\bAKIA[0-9A-Z]{16}\\b', '-----BEGIN [A-Z ]*PRIVATE KEY-----'] },
  topic: {
    topics: [
      { name: 'legal_advice', keywords: ['lawsuit', 'sue', 'litigation'], patterns: ['file\\s+a\\s+claim'] },
      { name: 'medical', keywords: ['diagnosis', 'prescription', 'symptoms'] },
    ],
  },
};
/** Every type a build may have, in the order the table lists them. */
const TYPES = ['pii', 'secrets', 'prompt_injection', 'topic', 'deny_regex'];

const rule = (type: string): Guardrail => GuardrailSchema.parse({ id: type, type, hook: 'llm_input', action: 'validate', config: BENCH_CONFIG[type] ?? {} });

function setRules(): { rules: Guardrail[]; label: string } {
  const builtin = builtinPlan();
  if (builtin.rules.length > 0) return { rules: builtin.rules, label: builtin.rules.map((r) => r.type).join(' + ') };
  const local = TYPES.filter(hasGuardrailType).map(rule);
  return { rules: local, label: `${local.map((r) => r.type).join(' + ')} (no built-in type in this build)` };
}

const MESSAGE = 16 * 1024;
const bytes = (texts: readonly string[]) => texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

let salt = 0;
/** ~`total` chars of code-heavy text as messages, different from anything scanned before (so no memo hit). */
function freshCorpus(total: number): string[] {
  const base = codeText(7, total);
  const run = ++salt;
  const out: string[] = [];
  for (let i = 0; i < base.length; i += MESSAGE) out.push(`[run ${run}, part ${i / MESSAGE}]\n${base.slice(i, i + MESSAGE)}`);
  return out;
}

async function timeScan(scanner: Scanner, texts: readonly string[]): Promise<number> {
  const t0 = performance.now();
  await scanner.scanTexts(texts);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median MB/s of cold scans of ~1 MB. */
async function coldMBps(scanner: Scanner, rounds = 5): Promise<{ mbps: number; best: number; ms: number; mb: number }> {
  await timeScan(scanner, freshCorpus(256 * 1024)); // warm-up: JIT and lazily built engines
  const samples: number[] = [];
  let mb = 0;
  for (let i = 0; i < rounds; i++) {
    const texts = freshCorpus(1024 * 1024);
    mb = bytes(texts) / 1e6;
    samples.push(await timeScan(scanner, texts));
  }
  const ms = median(samples);
  return { mbps: mb / (ms / 1000), best: mb / (Math.min(...samples) / 1000), ms, mb };
}

/** The conversation's messages, each 4–16 KB, to ~500 KB; `tag` makes a copy no memo has seen. */
function conversation(tag: string): string[] {
  const msgs = ['You are a careful coding assistant. Answer with a patch.'];
  for (let turn = 0; turn < 50; turn++) {
    const size = (n: number) => 2048 + ((turn * 7919 + n * 3301) % 6144);
    msgs.push(`${tag} turn ${turn}\n${turnMessage(turn * 2 + 1, 'user', size(1))}`, `${tag} reply ${turn}\n${turnMessage(turn * 2 + 2, 'assistant', size(2))}`);
  }
  return msgs;
}

/** One play of the 50 turns (time per turn), then one cold scan of the final state (a copy no memo has seen). */
async function playOnce(scanner: Scanner): Promise<{ turnMs: number[]; coldMs: number; kb: number }> {
  const msgs = conversation(`conv-${++salt}`);
  const turnMs: number[] = [];
  for (let turn = 1; turn <= 50; turn++) {
    // The gateway parses every request anew: equal texts, never the same string objects.
    const texts = JSON.parse(JSON.stringify(msgs.slice(0, 1 + turn * 2))) as string[];
    turnMs.push(await timeScan(scanner, texts));
  }
  const final = conversation(`conv-${++salt}`);
  return { turnMs, coldMs: await timeScan(scanner, final), kb: bytes(final) / 1024 };
}

/**
 * Five independent plays (each its own conversation, so none finds another's texts); each
 * turn and the cold scan count their fastest play. The machine is shared: the minimum is
 * the cost of the work, the rest is other processes and garbage collection.
 */
async function conversationRatio(scanner: Scanner): Promise<{ totalMs: number; coldMs: number; kb: number; ratio: number }> {
  const plays: Awaited<ReturnType<typeof playOnce>>[] = [];
  for (let i = 0; i < 5; i++) plays.push(await playOnce(scanner));
  const totalMs = plays[0]!.turnMs.reduce((sum, _, turn) => sum + Math.min(...plays.map((p) => p.turnMs[turn]!)), 0);
  const coldMs = Math.min(...plays.map((p) => p.coldMs));
  return { totalMs, coldMs, kb: plays[0]!.kb, ratio: totalMs / coldMs };
}

const set = setRules();
if (set.rules.length === 0) {
  console.error('No guardrail type is registered in this build: nothing to measure.');
  process.exit(1);
}
const scanner = new Scanner(set.rules);
const cold = await coldMBps(scanner);
const conv = await conversationRatio(scanner);
console.log(`set: ${set.label}`);
console.log(`cold scan      ${cold.mb.toFixed(2)} MB in ${cold.ms.toFixed(1)} ms  ${cold.mbps.toFixed(1)} MB/s median, ${cold.best.toFixed(1)} best   (target ≥ 20 MB/s for pii + secrets + prompt_injection)`);
console.log(`50 turns       ${conv.totalMs.toFixed(1)} ms for all turns, final state ${conv.kb.toFixed(0)} KiB cold ${conv.coldMs.toFixed(1)} ms: ${conv.ratio.toFixed(2)}×   (target ≤ 2×)`);
console.log('\nper type (cold, ~1 MB)   MB/s (median / best)   target');
for (const type of TYPES.filter(hasGuardrailType)) {
  try {
    const r = await coldMBps(new Scanner([rule(type)]), 3);
    console.log(`  ${type.padEnd(22)} ${r.mbps.toFixed(1).padStart(6)} / ${r.best.toFixed(1).padStart(6)}      ${type === 'deny_regex' || type === 'topic' ? '—' : '≥ 60'}`);
  } catch (err) {
    console.log(`  ${type.padEnd(22)} skipped: ${(err as Error).message}`);
  }
}
// The learned classifier's share of prompt_injection: the same type with it switched off, in the same run.
if (hasGuardrailType('prompt_injection')) {
  const phrases = GuardrailSchema.parse({ id: 'pi-phrases', type: 'prompt_injection', hook: 'llm_input', action: 'validate', config: { learned: false } });
  const r = await coldMBps(new Scanner([phrases]), 3);
  console.log(`  ${'  (learned: false)'.padEnd(22)} ${r.mbps.toFixed(1).padStart(6)} / ${r.best.toFixed(1).padStart(6)}      —`);
}
