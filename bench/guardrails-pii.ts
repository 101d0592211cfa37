/**
 * How fast the `pii` guardrail scans an agent-sized prompt: `tsx bench/guardrails-pii.ts`.
 *
 * The corpus is ~512 KiB of what IDE agents send: this repository's own TypeScript, a slice
 * of its package-lock.json, and generated access logs, stack traces, JSON API payloads,
 * `git log` output, minified JS and a base64 image, with a few real-looking emails, phones
 * and addresses among them, cut into messages of 2-8 KiB as a conversation is.
 *
 * Three figures, MB/s (10^6 characters per second of CPU time, so other processes on a
 * shared machine do not count against it; wall time is printed beside), median of 30
 * rounds after 10 warm-up ones:
 * - `detector`: every entity's finder over every message, nothing remembered (the work);
 * - `scan, cold`: the registered guardrail's scan with every message new to it (each round
 *   changes every message), so nothing comes from the memo: the target is ≥ 60 MB/s;
 * - `scan, warm`: the same messages again, as the next turn of a conversation resends them;
 * - `50 turns`: a conversation growing to the whole corpus, every turn resending all of it
 *   so far, against one cold scan of its final state (target ≤ 2×), medians of 7.
 * Exits 1 when a figure misses its target.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runGuardrails } from '../local-gateway/policy/engine/index.js';
import { createDetector } from '../local-gateway/guardrails/pii/detect.js';
import { ENTITIES } from '../local-gateway/guardrails/pii/span.js';
import type { ResolvedTier } from '../local-gateway/policy/schema.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MBPS = 60;
const SIZE = 512 * 1024;

// A fixed-seed generator: the corpus is the same on every run.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    // Sources, not tests: the tests of the guardrails are full of the very values they look for.
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function logs(lines: number): string {
  const paths = ['/v1/chat/completions', '/api/traces', '/v1/messages', '/healthz', '/api/users/8812/orders'];
  const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
  let s = '';
  for (let i = 0; i < lines; i++) {
    const t = new Date(Date.UTC(2026, 10, 24, 1, 0, 0) + i * 137).toISOString();
    s += `${t} INFO req=${uuid()} ${pick(['GET', 'POST'])} ${pick(paths)} ${pick([200, 201, 304, 404, 500])} ${Math.floor(rand() * 900)}ms ip=10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250} ua="${ua}"\n`;
    if (i % 40 === 0) s += `Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n    at Object.<anonymous> (/app/src/db/pool.ts:${i % 300}:17)\n`;
  }
  return s;
}

function payloads(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const body = {
      id: `ord_${hex(24)}`,
      created_at: 1764000000000 + i * 1000,
      amount: Math.floor(rand() * 100000) / 100,
      currency: 'eur',
      sha: hex(40),
      items: [{ sku: `SKU-${Math.floor(rand() * 1e6)}`, qty: 1 + (i % 3), version: `1.${i % 20}.${i % 7}` }],
      customer: i % 25 === 0 ? { email: `customer${i}@mailbox.org`, phone: '+49 30 12345678' } : { id: uuid() },
    };
    s += `${JSON.stringify(body, null, 2)}\n`;
  }
  return s;
}

function gitLog(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `commit ${hex(40)}\nAuthor: Dev ${i % 9} <dev${i % 9}@acme.io>\nDate:   Tue Nov 24 01:${String(i % 60).padStart(2, '0')}:00 2026 +0000\n\n    Fix retry of request ${uuid()}\n\n`;
  return s;
}

function corpus(): string {
  let code = '';
  for (const f of sourceFiles(join(ROOT, 'local-gateway'))) {
    code += readFileSync(f, 'utf8');
    if (code.length > 220 * 1024) break;
  }
  const lock = readFileSync(join(ROOT, 'package-lock.json'), 'utf8').slice(0, 60 * 1024);
  const minified = Array.from({ length: 400 }, (_, i) => `function a${i}(e,t){return e*${i}+t>>>0}var b${i}=[${i},${i * 31},${i * 1013}];`).join('');
  const image = `data:image/png;base64,${Buffer.from(Array.from({ length: 12000 }, () => Math.floor(rand() * 256))).toString('base64')}`;
  const text = [code, lock, logs(900), payloads(120), gitLog(150), minified, image, 'Call me at (415) 555-2671 or mail jane@acme.io; IBAN DE89 3704 0044 0532 0130 00.'].join('\n');
  return text.slice(0, SIZE);
}

/** The corpus cut into messages of 2-8 KiB, as a conversation's turns. */
function messages(text: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; ) {
    const len = 2048 + Math.floor(rand() * 6144);
    out.push(text.slice(at, at + len));
    at += len;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function mbps(label: string, chars: number, round: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 10; i++) await round(-1 - i);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await round(i);
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  const ms = median(cpu);
  const rate = chars / 1e6 / (ms / 1000);
  console.log(`${label.padEnd(12)} ${(chars / 1024).toFixed(0)} KiB  cpu ${ms.toFixed(2)} ms  wall ${median(wall).toFixed(2)} ms  ${rate.toFixed(0)} MB/s`);
  return rate;
}

const texts = messages(corpus());
const chars = texts.reduce((n, t) => n + t.length, 0);
const detect = createDetector({ entities: ENTITIES, phoneRegions: ['US', 'GB', 'DE', 'FR', 'IN'], reportTestCards: false, privateIps: true, allow: [] });
const found = texts.reduce((n, t) => n + detect(t).length, 0);
console.log(`pii guardrail, all six entities, ${texts.length} messages, ${found} findings`);

const tier = {
  guardrails: [{ id: 'pii', type: 'pii', hook: 'llm_input', action: 'validate', mode: 'enforce', config: {} }],
} as unknown as ResolvedTier;
const facts = { api: 'chat.completions', metadata: {} } as never;
const role = { tier: 'dev', enforced: true };

await mbps('detector', chars, () => texts.forEach((t) => detect(t)));
// A different first character in every message makes every message new to the memo.
const cold = await mbps('scan, cold', chars, (i) => runGuardrails(tier, 'llm_input', facts, texts.map((t) => String.fromCharCode(0x4e00 + ((i + 10) & 0xff)) + t.slice(1)), role));
// A new array of the same texts, as the next request of the conversation brings.
await mbps('scan, warm', chars, () => runGuardrails(tier, 'llm_input', facts, [...texts], role));

/**
 * A 50-turn conversation growing to the whole corpus: each turn resends every message so far
 * plus about a fiftieth of the corpus. Its total CPU against one cold scan of the final state
 * (the target: ≤ 2×), each the median of 7 repetitions with messages new to the memo.
 */
async function conversation(): Promise<number> {
  const cpu = async (fn: () => Promise<unknown>) => {
    const c = process.cpuUsage();
    await fn();
    const u = process.cpuUsage(c);
    return (u.user + u.system) / 1000;
  };
  const renew = (k: number) => texts.map((t) => String.fromCharCode(0x4f00 + k) + t.slice(1));
  const totals: number[] = [];
  const finals: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    const fresh = renew(2 * rep);
    let total = 0;
    for (let turn = 1; turn <= 50; turn++) {
      const upTo = Math.ceil((turn * fresh.length) / 50);
      total += await cpu(() => runGuardrails(tier, 'llm_input', facts, fresh.slice(0, upTo), role));
    }
    totals.push(total);
    const final = renew(2 * rep + 1);
    finals.push(await cpu(() => runGuardrails(tier, 'llm_input', facts, final, role)));
  }
  const ratio = median(totals) / median(finals);
  console.log(`50 turns     ${(chars / 1024).toFixed(0)} KiB at the end  cpu ${median(totals).toFixed(2)} ms in all  ${ratio.toFixed(2)}x one cold scan (${median(finals).toFixed(2)} ms) of the final state`);
  return ratio;
}
const ratio = await conversation();

if (cold < TARGET_MBPS || ratio > 2) {
  console.error(`under target: cold scan ${cold.toFixed(0)} MB/s (≥ ${TARGET_MBPS}), 50 turns ${ratio.toFixed(2)}x a cold scan (≤ 2)`);
  process.exit(1);
}
