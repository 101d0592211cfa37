/**
 * `npm run bench:stream-guard`: what guarding a streamed answer costs. Two parts:
 *
 * 1. In process: the stream guard alone on a chat stream of a code-heavy answer (4-character
 *    deltas), µs per event and MB/s, with two `deny_regex` output rules (one mutate, one
 *    validate), and with placeholders to restore only.
 * 2. End to end: the same streaming chat request through two Gatehouse processes on the
 *    OpenAI stand-in, one without output guardrails and one with the two rules. p50/p99 time
 *    to the first answer text (TTFT: the first event with non-empty `content`) and to the
 *    last byte.
 *
 * `--in-process` runs the first part only. Writes test-results/bench-stream-guard.json. See
 * bench/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { streamCodec } from '../local-gateway/apis/index.js';
import { StreamGuard } from '../local-gateway/pipeline/stream-guard.js';
import { GuardrailSchema } from '../local-gateway/policy/schema.js';
import { percentiles, type Percentiles } from './lib/measure.js';
import { freePort, runBench, startChild, stopAll, waitHealthy } from './lib/procs.js';
import { runMeta, table, writeResults } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CFG = { n: 300, warmup: 30, token: 'bench-token', rounds: 20 };
const PATTERNS = { mutate: 'sk-live-[a-z0-9]{16,}', validate: 'BEGIN RSA PRIVATE KEY' };
const RULES = [
  { id: 'keys-out', type: 'deny_regex', hook: 'llm_output', action: 'mutate', mode: 'enforce', config: { patterns: [PATTERNS.mutate], label: 'key' } },
  { id: 'pem-out', type: 'deny_regex', hook: 'llm_output', action: 'validate', mode: 'enforce', config: { patterns: [PATTERNS.validate] } },
];

/** A code-heavy answer of about `kb` KiB: TypeScript with a key to redact now and then. */
function codeAnswer(kb: number): string {
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < kb * 1024; i++) {
    lines.push(`export async function handler${i}(req: Request): Promise<Response> {`);
    lines.push(`  const id = '${(i * 2654435761).toString(16).padStart(8, '0')}-4b1e-9c7a'; // trace ${i}`);
    lines.push(i % 40 === 0 ? `  const key = 'sk-live-${'ab12'.repeat(6)}';` : `  if (!req.ok) throw new Error(\`request \${id} failed: \${req.status}\`);`);
    lines.push('  return Response.json({ ok: true, id });', '}', '');
  }
  return lines.join('\n');
}

const chatEvent = (content: string) => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

interface InProcess {
  events: number;
  chars: number;
  usPerEvent: number;
  mbPerS: number;
}

/** Median over rounds of the guard's time for one whole answer. */
async function inProcess(rules: unknown[], placeholders: Map<string, string>): Promise<InProcess> {
  const answer = codeAnswer(16);
  const events = (answer.match(/[\s\S]{1,4}/g) ?? []).map(chatEvent);
  const end = 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
  const parsed = rules.map((r) => GuardrailSchema.parse(r));
  const times: number[] = [];
  for (let round = 0; round < CFG.rounds + 3; round++) {
    const guard = new StreamGuard(streamCodec('chat.completions')!, parsed, placeholders, 'dev');
    const start = performance.now();
    for (const e of events) await guard.event(e);
    await guard.event(end);
    await guard.event('data: [DONE]\n\n');
    if (round >= 3) times.push(performance.now() - start);
  }
  const ms = percentiles(times).p50;
  return { events: events.length, chars: answer.length, usPerEvent: (ms * 1000) / events.length, mbPerS: answer.length / 1024 / 1024 / (ms / 1000) };
}

async function startGatehouse(name: string, openai: string, scratch: string, guarded: boolean): Promise<string> {
  const home = join(scratch, name);
  mkdirSync(home, { recursive: true });
  const config = join(home, 'gatehouse.yaml');
  const lines = ['providers:', `  - { id: up, kind: openai, base_url: "${openai}/v1", api_key: env:STANDIN_API_KEY }`];
  if (guarded) {
    const policy = join(home, 'policy.yaml');
    writeFileSync(policy, `apiVersion: gatehouse/v1\norg: bench\ntiers:\n  dev:\n    guardrails:\n${RULES.map((r) => `      - ${JSON.stringify(r)}`).join('\n')}\n`);
    lines.push(`policy: ${policy}`, 'tiers: { active: dev, shadow: [] }');
  }
  writeFileSync(config, `${lines.join('\n')}\n`);
  const port = await freePort();
  const { match } = await startChild(name, [join(ROOT, 'bin/gatehouse.js'), 'start'], {
    cwd: ROOT,
    ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/,
    timeoutMs: 20_000,
    env: { GATEHOUSE_HOME: home, GATEHOUSE_PORT: String(port), GATEHOUSE_TOKEN: CFG.token, GATEHOUSE_CONFIG: config, STANDIN_API_KEY: 'sk-bench' },
  });
  await waitHealthy(`${match}/healthz`);
  return match;
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;
const FIRST_TEXT = /"content":"[^"]/;

/** One streamed chat request: µs to the first answer text and to the last byte. */
async function timeStream(client: Client, body: string): Promise<{ ttft: number; total: number }> {
  const start = nowUs();
  const res = await client.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: `Bearer ${CFG.token}` }, body });
  let ttft = 0;
  let text = '';
  for await (const chunk of res.body) {
    const s = (chunk as Buffer).toString();
    if (ttft === 0 && FIRST_TEXT.test(s)) ttft = nowUs() - start;
    text += s;
  }
  if (res.statusCode !== 200 || !text.includes('[DONE]')) throw new Error(`HTTP ${res.statusCode}, stream incomplete: ${text.slice(-300)}`);
  return { ttft, total: nowUs() - start };
}

async function endToEnd(targets: Record<string, string>): Promise<Record<string, { ttft: Percentiles; total: Percentiles }>> {
  // The stand-in echoes the prompt word by word: a 1.5 KiB answer in ~250 events.
  const prompt = codeAnswer(1.5).replace(/sk-live-\w+/g, 'k');
  const body = JSON.stringify({ model: 'up/bench-model', stream: true, messages: [{ role: 'user', content: prompt }] });
  const names = Object.keys(targets);
  const clients = names.map((n) => new Client(targets[n]!, { pipelining: 1, keepAliveTimeout: 60_000 }));
  const samples = names.map(() => ({ ttft: [] as number[], total: [] as number[] }));
  try {
    for (let round = 0; round < CFG.warmup + CFG.n; round++) {
      for (let k = 0; k < names.length; k++) {
        const i = (round + k) % names.length;
        const s = await timeStream(clients[i]!, body);
        if (round >= CFG.warmup) {
          samples[i]!.ttft.push(s.ttft);
          samples[i]!.total.push(s.total);
        }
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return Object.fromEntries(names.map((n, i) => [n, { ttft: percentiles(samples[i]!.ttft), total: percentiles(samples[i]!.total) }]));
}

const us = (v: number) => `${Math.round(v)} µs`;

async function main(): Promise<void> {
  const guardOnly = await inProcess(RULES, new Map());
  const restoreOnly = await inProcess([], new Map([['<EMAIL_1>', 'ana@example.com'], ['<PHONE_1>', '+44 20 7946 0958']]));
  const rows = [
    ['stream guard, in process (16 KiB code answer, 4-char deltas)', 'events', 'µs / event', 'MB/s'],
    ['2 deny_regex output rules (mutate + validate)', String(guardOnly.events), guardOnly.usPerEvent.toFixed(1), guardOnly.mbPerS.toFixed(2)],
    ['placeholder restore only', String(restoreOnly.events), restoreOnly.usPerEvent.toFixed(1), restoreOnly.mbPerS.toFixed(2)],
  ];
  process.stdout.write(`${table(rows)}\n\n`);
  if (process.argv.includes('--in-process')) return;

  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-stream-guard-'));
  try {
    const openai = new URL((await startChild('openai stand-in', ['--import', 'tsx', join(ROOT, 'test/standins/openai-upstream.ts'), '--port', '0'], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ })).match).origin;
    const results = await endToEnd({
      'no output guardrails': await startGatehouse('plain', openai, scratch, false),
      '2 output guardrails': await startGatehouse('guarded', openai, scratch, true),
    });
    const e2e = [
      ['streaming chat, 1.5 KiB answer', 'TTFT p50', 'TTFT p99', 'total p50', 'total p99'],
      ...Object.entries(results).map(([name, v]) => [name, us(v.ttft.p50), us(v.ttft.p99), us(v.total.p50), us(v.total.p99)]),
    ];
    process.stdout.write(`${CFG.n} requests per gateway after ${CFG.warmup} warm-up, interleaved\n\n${table(e2e)}\n`);
    writeResults(ROOT, 'bench-stream-guard.json', { meta: runMeta(CFG.n), inProcess: { guardOnly, restoreOnly }, results });
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

runBench(main);
