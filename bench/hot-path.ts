/**
 * `npx tsx bench/hot-path.ts`: a short A/B of the request path, for work on it. Direct, the
 * bare proxy and a built gateway (this checkout's, and with `BENCH_BASELINE=/path/to/checkout`
 * a second one from that built checkout) on one stand-in, in one run: interleaved sequential
 * latency (small chat, 60 KB agent turn) and streaming first byte, then autocannon rounds
 * alternating between the servers with each gateway's CPU per request (all threads, and its
 * main thread) from /proc. `BENCH_CPU_PROF=DIR` runs the gateways under `--cpu-prof` (main
 * and importer thread), the profiles written to DIR when they stop; `BENCH_NODE_FLAGS` and
 * `BENCH_BASELINE_NODE_FLAGS` pass node options to one gateway each (the same code twice, with
 * `BENCH_BASELINE=.`, compares two settings). `BENCH_ROUNDS` (3) and
 *  `BENCH_SECONDS` (5) size the load phase; `BENCH_N` (600) the latency phases. Each gateway
 * runs with `GATEHOUSE_WALL_MARKS`, and the wall and CPU time of its request stretches in the
 * sequential phases (pipeline/wall-marks.ts) are printed after the figures.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, sampleRss, sequentialLatency, streamingFirstByte, type Percentiles, type Target } from './lib/measure.js';
import { cpuMicros, freePort, runBench, startChild, stopAll, stopChild, waitHealthy, type Child } from './lib/procs.js';
import { BENCH_API_KEY, BENCH_TOKEN } from './lib/secrets.js';
import type { Stretch } from '../local-gateway/pipeline/wall-marks.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const N = Number(process.env.BENCH_N ?? 600);
const PROF = process.env.BENCH_CPU_PROF;
/** Requests each server gets one at a time (latency phases with their warm-ups): the ones a gateway marks. */
const SEQUENTIAL = N + 200 + Math.ceil(N / 3) + 50 + Math.ceil(N / 3) + 20;

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say hello to the benchmark in one short sentence.' },
];

function agentMessages(kb: number): unknown[] {
  const chunk = 'export function handler(req, res) {\n  const id = req.params.id; // 0f3c2a9e-5b1d-4c7e-9a8f\n  return res.json({ ok: true, id });\n}\n';
  const history = [];
  for (let i = 0; history.length * 4096 < kb * 1024; i++) {
    history.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: `step ${i}\n${chunk.repeat(Math.ceil(4096 / chunk.length))}` });
  }
  return [{ role: 'system', content: 'You are a coding agent.' }, ...history];
}

function target(name: string, origin: string, model: string, auth?: string): Target {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${auth}`;
  return { name, origin, path: '/v1/chat/completions', headers, body: JSON.stringify({ model, messages }), streamBody: JSON.stringify({ model, messages, stream: true }) };
}

const modelOf = (t: Target): string => (JSON.parse(t.body) as { model: string }).model;

async function gatehouse(root: string, scratch: string, label: string, standinPort: number, flags: string[]): Promise<{ child: Child; origin: string }> {
  const home = join(scratch, label);
  mkdirSync(home, { recursive: true });
  const config = join(home, 'gatehouse.yaml');
  writeFileSync(config, ['providers:', '  - id: standin', '    kind: openai', `    base_url: http://127.0.0.1:${standinPort}/v1`, '    api_key: env:STANDIN_API_KEY', ''].join('\n'));
  const port = await freePort();
  const prof = PROF ? ['--cpu-prof', '--cpu-prof-dir', join(PROF, label)] : [];
  const { child, match } = await startChild(`gatehouse (${label})`, [...prof, ...flags, join(root, 'bin/gatehouse.js'), 'start'], {
    cwd: root,
    ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/,
    timeoutMs: 20_000,
    env: { GATEHOUSE_WALL_MARKS: join(home, 'wall-marks.json'), GATEHOUSE_WALL_MARKS_REQUESTS: String(SEQUENTIAL), GATEHOUSE_HOME: home, GATEHOUSE_PORT: String(port), GATEHOUSE_TOKEN: BENCH_TOKEN, GATEHOUSE_CONFIG: config, STANDIN_API_KEY: BENCH_API_KEY, GATEHOUSE_KEYCHAIN: 'off' },
  });
  await waitHealthy(`${match}/healthz`);
  return { child, origin: match };
}

/** Milliseconds until a page of traces answers: the store has then imported every trace served so far. */
async function caughtUp(t: Target): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${t.origin}/api/traces?limit=1`, { headers: { authorization: t.headers.authorization! } });
  if (res.status !== 200) throw new Error(`${t.name}: GET /api/traces answered ${res.status}`);
  await res.arrayBuffer();
  return performance.now() - start;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function latencyLine(label: string, m: Map<string, Percentiles>, names: string[]): string {
  const direct = m.get('direct')!.p50;
  const bare = m.get('bare')!.p50 - direct;
  const cells = names.map((n) => {
    const added = m.get(n)!.p50 - direct;
    return n === 'direct' ? `direct ${fmt(direct)}` : `${n} +${fmt(added)}${n === 'bare' ? '' : ` (${(added / bare).toFixed(2)}×)`}`;
  });
  return `${label.padEnd(18)} p50 µs: ${cells.join(' · ')}`;
}

/** A gateway's stretches, wall and CPU µs (medians): a stretch with more wall than CPU time waited. */
function wallLines(name: string, file: string): string {
  // A gateway without the switch (a baseline older than it) writes none.
  if (!existsSync(file)) return `wall marks ${name}: none written`;
  const shapes = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Stretch[]>;
  return Object.entries(shapes)
    .map(([shape, stretches]) => {
      const cells = stretches.filter((s) => s.requests > 0).map((s) => `${s.from}→${s.to} ${fmt(s.wallUs ?? Number.NaN)}/${s.cpuUs === null ? '–' : fmt(s.cpuUs)}`);
      return `wall marks ${name} ${shape.padEnd(6)} wall/CPU µs: ${cells.join(' · ')}`;
    })
    .join('\n');
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-hot-path-'));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const tsx = (name: string, script: string, args: string[]) => startChild(name, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const standin = await tsx('stand-in', 'test/standins/openai-upstream.ts', ['--port', '0']);
    const standinPort = Number(new URL(standin.match).port);
    const bare = await tsx('bare proxy', 'bench/bare-proxy.ts', ['--port', '0', '--upstream', `http://127.0.0.1:${standinPort}`]);
    const targets = [target('direct', `http://127.0.0.1:${standinPort}`, 'bench-model'), target('bare', bare.match, 'bench-model')];
    const gates: { name: string; child: Child }[] = [];
    const flags = (name: string) => (process.env[name] ?? '').split(' ').filter(Boolean);
    const roots: [string, string, string[]][] = [['gatehouse', ROOT, flags('BENCH_NODE_FLAGS')]];
    if (process.env.BENCH_BASELINE) roots.push(['baseline', resolve(process.env.BENCH_BASELINE), flags('BENCH_BASELINE_NODE_FLAGS')]);
    for (const [name, root, nodeFlags] of roots) {
      const g = await gatehouse(root, scratch, name, standinPort, nodeFlags);
      gates.push({ name, child: g.child });
      targets.push(target(name, g.origin, 'standin/bench-model', BENCH_TOKEN));
    }
    const names = targets.map((t) => t.name);
    out(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    out(latencyLine('small chat', await sequentialLatency(targets, N, 200), names));
    out(latencyLine('streaming TTFB', await streamingFirstByte(targets, Math.ceil(N / 3), 50), names));
    const agent = agentMessages(60);
    const sized = targets.map((t) => ({ ...t, body: JSON.stringify({ model: modelOf(t), messages: agent }) }));
    out(latencyLine('60 KB agent turn', await sequentialLatency(sized, Math.ceil(N / 3), 20), names));

    const peak = new Map<string, number>();
    const lag = new Map<string, number[]>(gates.map((g) => [g.name, []]));
    const rps = new Map<string, number[]>(names.map((n) => [n, []]));
    const cpu = new Map<string, { all: number[]; main: number[] }>(gates.map((g) => [g.name, { all: [], main: [] }]));
    // Every request each gateway served, to put a profile's totals per request.
    const served = new Map<string, number>(names.map((n) => [n, SEQUENTIAL]));
    for (const t of targets) served.set(t.name, served.get(t.name)! + (await load(t, 16, { seconds: 1 })).total);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(round + k) % targets.length]!;
        const g = gates.find((x) => x.name === t.name);
        const before = g ? [cpuMicros(g.child.pid), cpuMicros(g.child.pid, g.child.pid)] : [0, 0];
        const sampler = g ? sampleRss(g.child.pid, 100) : null;
        const r = await load(t, 16, { seconds: SECONDS });
        if (g) peak.set(g.name, Math.max(peak.get(g.name) ?? 0, sampler!.stop()));
        if (r.non2xx + r.errors > 0) throw new Error(`${t.name}: ${r.non2xx} non-2xx, ${r.errors} errors under load`);
        // A page of traces is read after the store has every trace so far: the CPU read after it
        // counts indexing the window's traces too, however long the importer took to catch up.
        if (g) lag.get(g.name)!.push(await caughtUp(t));
        rps.get(t.name)!.push(r.rps);
        served.set(t.name, served.get(t.name)! + r.total);
        if (g) {
          cpu.get(g.name)!.all.push((cpuMicros(g.child.pid) - before[0]!) / r.total);
          cpu.get(g.name)!.main.push((cpuMicros(g.child.pid, g.child.pid) - before[1]!) / r.total);
        }
      }
    }
    const bareRps = median(rps.get('bare')!);
    for (const n of names) {
      const c = cpu.get(n);
      const ratio = n === 'direct' || n === 'bare' ? '' : ` (${(median(rps.get(n)!) / bareRps).toFixed(2)}× bare)`;
      const cpuText = c ? ` · CPU/request ${fmt(median(c.all))} µs, main thread ${fmt(median(c.main))} µs · store caught up ${fmt(median(lag.get(n)!))} ms after · RSS peak ${(peak.get(n)! / 2 ** 20).toFixed(1)} MB` : '';
      out(`throughput ${n.padEnd(10)} ${fmt(median(rps.get(n)!))} req/s${ratio}  [${rps.get(n)!.map(fmt).join(', ')}]${cpuText}; ${fmt(served.get(n)!)} requests in all`);
    }
    out(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    for (const g of gates) await stopChild(g.child, 10_000);
    for (const g of gates) out(wallLines(g.name, join(scratch, g.name, 'wall-marks.json')));
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

runBench(main);
