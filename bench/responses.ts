/**
 * `npm run bench:responses`: what the Responses translation costs. A streamed Responses
 * request through the gateway to a provider that speaks Responses (pass-through) beside the
 * same request to a chat-completions-only provider (responses → chat, every event
 * translated), each measured against calling the stand-in directly in that provider's API.
 * See bench/README.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sequentialLatency, streamingFirstByte, type Percentiles, type Target } from './lib/measure.js';
import { freePort, startChild, stopAll, waitHealthy } from './lib/procs.js';
import { table } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const N = 400;
const WARMUP = 50;
const TOKEN = 'bench-token';
const input = [
  { role: 'developer', content: 'You are a coding agent.' },
  { role: 'user', content: 'Say hello to the benchmark in one short sentence.' },
];
const responsesBody = (model: string) => JSON.stringify({ model, input, stream: true });
const chatBody = (model: string) => JSON.stringify({ model, messages: input.map((m) => ({ ...m, role: m.role === 'developer' ? 'system' : m.role })), stream: true });

function target(name: string, origin: string, path: string, body: string, auth: boolean): Target {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}) };
  // Both timers stream: `body` is timed to the last byte, `streamBody` to the first.
  return { name, origin, path, headers, body, streamBody: body };
}

const tsx = (name: string, script: string, args: string[]) => startChild(name, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });

/**
 * `gatehouse start` with the stand-in twice: `up` as an OpenAI provider (it speaks Responses:
 * pass-through) and `chat` narrowed to chat completions (Responses requests are translated).
 */
async function startGatehouse(standinUrl: string, home: string): Promise<string> {
  const config = join(home, 'gatehouse.yaml');
  writeFileSync(config, ['providers:', '  - { id: up, kind: openai, base_url: "URL" }', '  - { id: chat, kind: openai, base_url: "URL", apis: [chat.completions] }', ''].join('\n').replaceAll('URL', standinUrl));
  const env = { GATEHOUSE_HOME: home, GATEHOUSE_PORT: String(await freePort()), GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_CONFIG: config };
  const { match } = await startChild('gatehouse', [join(ROOT, 'bin/gatehouse.js'), 'start'], { cwd: ROOT, ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/, timeoutMs: 20_000, env });
  await waitHealthy(`${match}/healthz`);
  return match;
}

const home = mkdtempSync(join(tmpdir(), 'gatehouse-bench-responses-'));
try {
  const { match: standinUrl } = await tsx('standin', 'test/standins/openai-upstream.ts', ['--port', '0']);
  const gatewayUrl = await startGatehouse(standinUrl, home);
  const standin = new URL(standinUrl).origin;
  const targets = [
    target('direct responses', standin, '/v1/responses', responsesBody('bench-model'), false),
    target('pass-through', gatewayUrl, '/v1/responses', responsesBody('up/bench-model'), true),
    target('direct chat', standin, '/v1/chat/completions', chatBody('bench-model'), false),
    target('responses → chat', gatewayUrl, '/v1/responses', responsesBody('chat/bench-model'), true),
  ];
  const whole = await sequentialLatency(targets, N, WARMUP);
  const first = await streamingFirstByte(targets, N, WARMUP);
  const us = (v: number) => Math.round(v).toLocaleString('en-US');
  const rows = [['', 'stream p50 µs', 'p99 µs', 'first byte p50 µs', 'added p50 (whole / first byte)']];
  const base: Record<string, string> = { 'pass-through': 'direct responses', 'responses → chat': 'direct chat' };
  for (const t of targets) {
    const w = whole.get(t.name)!;
    const f = first.get(t.name)!;
    const b = base[t.name];
    const added = b ? `${us(w.p50 - whole.get(b)!.p50)} / ${us(f.p50 - first.get(b)!.p50)}` : '—';
    rows.push([t.name, us(w.p50), us(w.p99), us(f.p50), added]);
  }
  const addedWhole = (name: string, b: string) => (whole.get(name) as Percentiles).p50 - (whole.get(b) as Percentiles).p50;
  process.stdout.write(`\nStreamed Responses requests, ${N} sequential after ${WARMUP} warm-up, one keep-alive connection each\n\n${table(rows)}\n`);
  process.stdout.write(`\nTranslation cost over pass-through (p50, whole stream): ${us(addedWhole('responses → chat', 'direct chat') - addedWhole('pass-through', 'direct responses'))} µs\n`);
} finally {
  await stopAll();
  rmSync(home, { recursive: true, force: true });
}
