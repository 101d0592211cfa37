/**
 * Speed of the `secrets` guardrail: `npx tsx bench/guardrails-secrets.ts`.
 *
 * The text is what IDE agents send: ~500 KB of this repository's own TypeScript, a slice of
 * package-lock.json (sha512 integrity hashes), and log lines full of UUIDs, git SHAs and
 * timestamps, with a handful of secrets planted (built at run time). Prints:
 * - cold: one scan of the whole text by a fresh check (nothing remembered), MB/s of UTF-16
 *   characters, median of 15 runs after warm-up, and per rule (each rule alone) to show where
 *   time goes;
 * - conversation: 50 turns, each resending the history plus ~10 KB of new messages, up to
 *   the same ~500 KB, through the registered guardrail (so with its per-text memo); the
 *   total against one cold scan of the final state (target ≤ 2×).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RULE_IDS } from '../local-gateway/guardrails/secrets/rules.js';
import { SecretsConfig, secretsScanner } from '../local-gateway/guardrails/secrets/index.js';
import { runGuardrails } from '../local-gateway/policy/engine/guardrails.js';
import type { ResolvedTier } from '../local-gateway/policy/schema.js';

const TARGET = 500 * 1024;
const root = new URL('..', import.meta.url).pathname;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const hex = (n: number) => randomBytes(n).toString('hex');
function logLines(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`2026-11-24T01:${String(i % 60).padStart(2, '0')}:07.123Z INFO req=${crypto.randomUUID()} commit=${hex(20)} sha256=${hex(32)} token_count=${i * 7} latency_ms=${i % 300}`);
  }
  return lines.join('\n');
}

/** Message-sized chunks of code-heavy text, with secrets planted in a few. */
function corpus(): string[] {
  const parts: string[] = [];
  let size = 0;
  const add = (s: string) => {
    for (let i = 0; i < s.length && size < TARGET; i += 10_000) {
      const chunk = s.slice(i, i + 10_000);
      parts.push(chunk);
      size += chunk.length;
    }
  };
  add(readFileSync(join(root, 'package-lock.json'), 'utf8').slice(0, 60_000));
  add(logLines(300));
  for (const file of sources(join(root, 'local-gateway'))) add(readFileSync(file, 'utf8'));
  const b32 = (n: number) => Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');
  const planted = [`AWS_ACCESS_KEY_ID=${'AK' + 'IA'}${b32(16)}`, `OPENAI_API_KEY=${'sk-' + 'proj-'}${randomBytes(48).toString('base64url')}`, `password = "${randomBytes(12).toString('base64')}"`];
  planted.forEach((p, i) => (parts[(i + 1) * Math.floor(parts.length / 4)] += `\n${p}\n`));
  return parts;
}

// The machine is shared: the best of several runs is the speed of the code, the median shows the noise.
interface Timing {
  best: number;
  median: number;
}

function timeCold(scan: (t: string) => unknown, text: string, runs = 15): Timing {
  for (let i = 0; i < 3; i++) scan(text);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    scan(text);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { best: ms[0]!, median: ms[Math.floor(ms.length / 2)]! };
}

const parts = corpus();
const text = parts.join('\n');
const mbps = (ms: number) => (text.length / 1e6 / (ms / 1000)).toFixed(0);
const all = secretsScanner(SecretsConfig.parse({}));
const cold = timeCold(all, text, 25);
console.log(`secrets, cold, all rules: ${(text.length / 1024).toFixed(0)} KiB, ${all(text).length} findings: best ${cold.best.toFixed(2)} ms = ${mbps(cold.best)} MB/s, median ${cold.median.toFixed(2)} ms = ${mbps(cold.median)} MB/s (target ≥ 60)`);
for (const id of RULE_IDS) {
  const t = timeCold(secretsScanner(SecretsConfig.parse({ rules: [id] })), text, 7);
  console.log(`  ${id.padEnd(24)} best ${t.best.toFixed(2).padStart(6)} ms  ${mbps(t.best).padStart(6)} MB/s`);
}

// The conversation goes through the registered guardrail, as the pipeline runs it. Each
// round gets its own config (an unused allow entry), so its check starts with nothing remembered.
const role = { tier: 'dev', enforced: true };
const perTurn = Math.ceil(parts.length / 50);

/** Best total of 5 rounds of the 50-turn conversation through one guardrail, each round a fresh check. */
async function conversation(type: string, config: (round: number) => object): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const tier = { guardrails: [{ id: type, type, hook: 'llm_input', action: 'validate', mode: 'enforce', config: config(round) }] } as unknown as ResolvedTier;
    // A gateway builds a check once per policy: build this one (and let its regexes compile) first.
    await runGuardrails(tier, 'llm_input', {} as never, ['warm-up: token = getToken()'], role);
    await runGuardrails(tier, 'llm_input', {} as never, ['warm-up: password = readPassword()'], role);
    let ms = 0;
    for (let turn = 1; turn <= 50; turn++) {
      const texts = parts.slice(0, Math.min(parts.length, turn * perTurn));
      const t0 = performance.now();
      await runGuardrails(tier, 'llm_input', {} as never, texts, role);
      ms += performance.now() - t0;
    }
    rounds.push(ms);
  }
  return Math.min(...rounds);
}

// Each round gets its own config (an unused allow entry), so its check starts with nothing remembered.
const conv = await conversation('secrets', (round) => ({ allow: [`bench-round-${round}`] }));
// The floor: the same conversation through a deny_regex guardrail whose one pattern never
// matches, i.e. what the shared per-request text lookup costs whatever the detector.
const floor = await conversation('deny_regex', (round) => ({ patterns: [`bench-never-${round}`] }));
console.log(`secrets, 50-turn conversation to ${(text.length / 1024).toFixed(0)} KiB: best ${conv.toFixed(1)} ms total = ${(conv / cold.best).toFixed(2)}× the best cold scan of the final state (target ≤ 2×); the same conversation through a never-matching deny_regex: ${floor.toFixed(1)} ms`);
