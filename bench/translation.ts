/**
 * `npm run bench:translation`: what translating costs an Anthropic client. The same
 * streaming Messages request goes through Gatehouse to an Anthropic-wire stand-in
 * (pass-through) and to an OpenAI-wire stand-in (translated messages → chat and back, event
 * by event), next to each stand-in called directly in its own wire format. Every server runs
 * in its own process. Prints p50/p99 time to first byte and to the last byte, side by side,
 * and writes test-results/bench-translation.json. See bench/README.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { percentiles, type Percentiles } from './lib/measure.js';
import { freePort, runBench, startChild, stopAll, waitHealthy } from './lib/procs.js';
import { runMeta, table, writeResults } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CFG = { n: 1000, warmup: 100, token: 'bench-token' };
const USER = 'Say hello to the benchmark in one short sentence, and then add a few more words so the stream has some length.';

interface Target {
  name: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const messagesBody = (model: string) => JSON.stringify({ model, max_tokens: 256, stream: true, system: 'You are a helpful assistant.', messages: [{ role: 'user', content: USER }] });
const chatBody = (model: string) =>
  JSON.stringify({ model, max_completion_tokens: 256, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: USER }] });

const tsxChild = (name: string, script: string) => startChild(name, ['--import', 'tsx', join(ROOT, script), '--port', '0'], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });

async function startGatehouse(anthropicOrigin: string, openaiOrigin: string, scratch: string): Promise<string> {
  const config = join(scratch, 'gatehouse.yaml');
  writeFileSync(config, [
    'providers:',
    '  - { id: anthropic, kind: anthropic, base_url: "' + anthropicOrigin + '", api_key: env:STANDIN_API_KEY }',
    '  - { id: openai, kind: openai, base_url: "' + openaiOrigin + '/v1", api_key: env:STANDIN_API_KEY }',
    '',
  ].join('\n'));
  const port = await freePort();
  const { match } = await startChild('gatehouse', [join(ROOT, 'bin/gatehouse.js'), 'start'], {
    cwd: ROOT,
    ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/,
    timeoutMs: 20_000,
    env: { GATEHOUSE_HOME: scratch, GATEHOUSE_PORT: String(port), GATEHOUSE_TOKEN: CFG.token, GATEHOUSE_CONFIG: config, STANDIN_API_KEY: 'sk-bench' },
  });
  await waitHealthy(`${match}/healthz`);
  return match;
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

/** One streamed request: µs to the first body byte and to the last. */
async function timeStream(client: Client, t: Target): Promise<{ ttfb: number; total: number }> {
  const start = nowUs();
  const res = await client.request({ method: 'POST', path: t.path, headers: t.headers, body: t.body });
  let first = 0;
  let text = '';
  for await (const chunk of res.body) {
    if (first === 0) first = nowUs();
    text += (chunk as Buffer).toString();
  }
  const total = nowUs() - start;
  if (res.statusCode !== 200) throw new Error(`${t.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  // A stream that did not finish would make a fast, wrong figure.
  if (!text.includes('message_stop') && !text.includes('[DONE]')) throw new Error(`${t.name}: the stream did not complete: ${text.slice(-300)}`);
  return { ttfb: first - start, total };
}

/** Interleaved rounds, rotating who goes first, so drift on a shared machine hits all alike. */
async function measure(targets: Target[]): Promise<Record<string, { ttfb: Percentiles; total: Percentiles }>> {
  const clients = targets.map((t) => new Client(t.origin, { pipelining: 1, keepAliveTimeout: 60_000 }));
  const samples = targets.map(() => ({ ttfb: [] as number[], total: [] as number[] }));
  try {
    for (let round = 0; round < CFG.warmup + CFG.n; round++) {
      for (let k = 0; k < targets.length; k++) {
        const i = (round + k) % targets.length;
        const s = await timeStream(clients[i]!, targets[i]!);
        if (round >= CFG.warmup) {
          samples[i]!.ttfb.push(s.ttfb);
          samples[i]!.total.push(s.total);
        }
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return Object.fromEntries(targets.map((t, i) => [t.name, { ttfb: percentiles(samples[i]!.ttfb), total: percentiles(samples[i]!.total) }]));
}

const us = (v: number) => `${Math.round(v)} µs`;

function render(r: Record<string, { ttfb: Percentiles; total: Percentiles }>): string {
  const added = (name: string, base: string, what: 'ttfb' | 'total', q: 'p50' | 'p99') => us(r[name]![what][q] - r[base]![what][q]);
  const rows = [
    ['', 'TTFB p50', 'TTFB p99', 'total p50', 'total p99'],
    ...Object.entries(r).map(([name, v]) => [name, us(v.ttfb.p50), us(v.ttfb.p99), us(v.total.p50), us(v.total.p99)]),
  ];
  const overhead = [
    ['added by Gatehouse', 'TTFB p50', 'TTFB p99', 'total p50', 'total p99'],
    ['pass-through (anthropic → anthropic)', ...(['ttfb', 'total'] as const).flatMap((w) => (['p50', 'p99'] as const).map((q) => added('gatehouse pass-through', 'anthropic direct', w, q)))],
    ['translated (anthropic → openai)', ...(['ttfb', 'total'] as const).flatMap((w) => (['p50', 'p99'] as const).map((q) => added('gatehouse translated', 'openai direct', w, q)))],
  ];
  return `Streaming Messages requests, ${CFG.n} per server after ${CFG.warmup} warm-up, one keep-alive connection each\n\n${table(rows)}\n\n${table(overhead)}\n`;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-translation-'));
  try {
    const anthropic = (await tsxChild('anthropic stand-in', 'test/standins/anthropic-upstream.ts')).match;
    const openai = new URL((await tsxChild('openai stand-in', 'test/standins/openai-upstream.ts')).match).origin;
    const gate = await startGatehouse(anthropic, openai, scratch);
    const anthropicHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
    const targets: Target[] = [
      { name: 'anthropic direct', origin: anthropic, path: '/v1/messages', headers: { ...anthropicHeaders, 'x-api-key': 'sk-bench' }, body: messagesBody('bench-model') },
      { name: 'gatehouse pass-through', origin: gate, path: '/v1/messages', headers: { ...anthropicHeaders, 'x-api-key': CFG.token }, body: messagesBody('anthropic/bench-model') },
      { name: 'openai direct', origin: openai, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body: chatBody('bench-model') },
      { name: 'gatehouse translated', origin: gate, path: '/v1/messages', headers: { ...anthropicHeaders, 'x-api-key': CFG.token }, body: messagesBody('openai/bench-model') },
    ];
    const results = await measure(targets);
    process.stdout.write(render(results));
    writeResults(ROOT, 'bench-translation.json', { meta: runMeta(CFG.n), results });
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

runBench(main);
