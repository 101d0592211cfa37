/**
 * `npx tsx bench/telemetry.ts`: what OTLP export costs the gateway's throughput. Three built
 * gateways on the same stand-in: one without export, and two with `telemetry.otlp` to a
 * collector stand-in that answers every export (its own process, so its CPU is not counted),
 * one with a span per stage (the default) and one with `stages: attributes`; autocannon
 * against each in turn, alternating, in one run. Prints per run req/s and the gateway
 * process's CPU per request (all its threads, from /proc), and the cost as the ratio of the
 * medians of each: CPU per request is the steadier figure on a shared machine, where req/s
 * moves with everyone's load. The exporting gateway's queue is large enough that no trace is
 * dropped, and a run's CPU is read once every trace it served has been exported, so the
 * figure is the cost of exporting all of them. `BENCH_BASELINE=/path/to/checkout` (built, e.g.
 * `git worktree add` of an older commit and `npx tsc -b tsconfig.build.json` there) adds a
 * gateway exporting from that checkout's code, in the same alternation, for a before/after
 * comparison under the same load.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, type Target } from './lib/measure.js';
import { cpuMicros, freePort, rssBytes, startChild, stopAll, waitHealthy, type Child } from './lib/procs.js';
import { BENCH_API_KEY, BENCH_TOKEN } from './lib/secrets.js';
import type { TelemetryStatus } from '../local-gateway/telemetry/status.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = 5;
const CONNECTIONS = 16;

/** An OTLP/HTTP collector stand-in: reads each export, counts its bytes, answers 200. */
const COLLECTOR = `
const http = require('node:http');
let bytes = 0, exports = 0;
const s = http.createServer((req, res) => { req.on('data', (c) => (bytes += c.length)); req.on('end', () => { exports++; res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(); }); });
s.listen(0, '127.0.0.1', () => console.log('listening http://127.0.0.1:' + s.address().port));
setInterval(() => console.log('exports ' + exports + ' bytes ' + bytes), 1000).unref();
`;

async function gatehouse(root: string, scratch: string, label: string, standinPort: number, collector: string | null, stages: 'spans' | 'attributes' | null): Promise<{ child: Child; origin: string }> {
  const home = join(scratch, label);
  mkdirSync(home, { recursive: true });
  const lines = ['providers:', '  - id: standin', '    kind: openai', `    base_url: http://127.0.0.1:${standinPort}/v1`, '    api_key: env:STANDIN_API_KEY'];
  if (collector) lines.push(`telemetry: { otlp: { endpoint: ${collector}, protocol: http/protobuf, max_queue: 1000000${stages ? `, stages: ${stages}` : ''} } }`);
  writeFileSync(join(home, 'gatehouse.yaml'), `${lines.join('\n')}\n`);
  const port = await freePort();
  const { child, match } = await startChild(`gatehouse (${label})`, [join(root, 'bin/gatehouse.js'), 'start'], {
    cwd: root,
    ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/,
    timeoutMs: 20_000,
    env: { GATEHOUSE_HOME: home, GATEHOUSE_PORT: String(port), GATEHOUSE_TOKEN: BENCH_TOKEN, GATEHOUSE_CONFIG: join(home, 'gatehouse.yaml'), STANDIN_API_KEY: BENCH_API_KEY, GATEHOUSE_KEYCHAIN: 'off' },
  });
  await waitHealthy(`${match}/healthz`);
  return { child, origin: match };
}

interface Gateway {
  target: Target;
  pid: number;
}

function target(name: string, origin: string): Target {
  const body = JSON.stringify({ model: 'standin/bench-model', messages: [{ role: 'user', content: 'Say hello to the benchmark in one short sentence.' }] });
  return { name, origin, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` }, body, streamBody: body };
}

async function exportStatus(g: Gateway): Promise<TelemetryStatus | null> {
  const res = await fetch(`${g.target.origin}/api/status`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
  return ((await res.json()) as { telemetry: TelemetryStatus | null }).telemetry;
}

/** Waits until the gateway has exported (or given up on) `served` traces; a gateway that does not export has none to wait for. */
async function drained(g: Gateway, served: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const t = await exportStatus(g);
    if (t === null || t.exported + t.dropped + t.failed >= served) return;
    if (Date.now() > deadline) throw new Error(`${g.target.name}: ${served - t.exported - t.dropped - t.failed} traces still not exported after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load1 = () => loadavg()[0]!.toFixed(1);

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-otlp-'));
  try {
    const standin = await startChild('stand-in', ['--import', 'tsx', join(ROOT, 'test/standins/openai-upstream.ts'), '--port', '0'], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const standinPort = Number(new URL(standin.match).port);
    const collector = await startChild('collector', ['-e', COLLECTOR], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const start = async (name: string, label: string, otlp: string | null, root = ROOT, stages: 'spans' | 'attributes' | null = null): Promise<Gateway> => {
      const g = await gatehouse(root, scratch, label, standinPort, otlp, stages);
      return { target: target(name, g.origin), pid: g.child.pid };
    };
    const plain = await start('without export', 'plain', null);
    const exporting = await start('with OTLP export', 'otlp', collector.match);
    const attributes = await start('export, stages as attributes', 'otlp-attributes', collector.match, ROOT, 'attributes');
    const baselineRoot = process.env.BENCH_BASELINE;
    const all = [plain, exporting, attributes, ...(baselineRoot ? [await start('export, baseline', 'baseline', collector.match, resolve(baselineRoot))] : [])];
    const rps = new Map(all.map((g) => [g, [] as number[]]));
    const cpu = new Map(all.map((g) => [g, [] as number[]]));
    const main = new Map(all.map((g) => [g, [] as number[]]));
    process.stdout.write(`load average ${load1()} at the start\n`);
    const served = new Map<Gateway, number>();
    for (const g of all) {
      served.set(g, (await load(g.target, CONNECTIONS, { seconds: 1 })).total);
      await drained(g, served.get(g)!);
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with the next gateway, so each is first (and last) as often as the others.
      for (const g of all.map((_, i) => all[(i + round) % all.length]!)) {
        const [c0, m0] = [cpuMicros(g.pid), cpuMicros(g.pid, g.pid)];
        const r = await load(g.target, CONNECTIONS, { seconds: SECONDS });
        served.set(g, served.get(g)! + r.total);
        await drained(g, served.get(g)!);
        const perRequest = (cpuMicros(g.pid) - c0) / r.total;
        const onRequestThread = (cpuMicros(g.pid, g.pid) - m0) / r.total;
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${g.target.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        rps.get(g)!.push(r.rps);
        cpu.get(g)!.push(perRequest);
        main.get(g)!.push(onRequestThread);
        process.stdout.write(`  round ${round + 1} ${g.target.name.padEnd(29)} ${r.rps.toFixed(0).padStart(6)} req/s, CPU/request ${perRequest.toFixed(0).padStart(4)} µs (request thread ${onRequestThread.toFixed(0).padStart(4)} µs, other threads ${(perRequest - onRequestThread).toFixed(0).padStart(4)} µs), load ${load1()}\n`);
      }
    }
    const more = (x: number, y: number) => `${((y / x - 1) * 100).toFixed(1)}%`;
    const [a, ca, ma] = [median(rps.get(plain)!), median(cpu.get(plain)!), median(main.get(plain)!)];
    process.stdout.write(`\nOTLP export overhead (${ROUNDS} alternating ${SECONDS}s runs, ${CONNECTIONS} connections, medians; load average ${load1()} at the end)\n`);
    process.stdout.write(`  ${''.padEnd(29)} ${'req/s'.padStart(7)} ${'CPU/request'.padStart(12)} ${'request thread'.padStart(15)}\n`);
    for (const g of all) {
      const [b, cb, mb] = [median(rps.get(g)!), median(cpu.get(g)!), median(main.get(g)!)];
      process.stdout.write(`  ${g.target.name.padEnd(29)} ${b.toFixed(0).padStart(7)} ${`${cb.toFixed(0)} µs`.padStart(12)} ${`${mb.toFixed(0)} µs`.padStart(15)}\n`);
      if (g !== plain) process.stdout.write(`    cost: ${((1 - b / a) * 100).toFixed(1)}% of req/s, ${more(ca, cb)} CPU per request in all (+${(cb - ca).toFixed(0)} µs), ${more(ma, mb)} on the request thread (target ≤ 5%)\n`);
    }
    for (const g of all.slice(1)) {
      // A trace dropped from a full queue costs the export nothing: the figures count only if none was.
      const t = (await exportStatus(g))!;
      process.stdout.write(`  ${g.target.name}: ${t.exported} of ${served.get(g)} traces exported, ${t.dropped} dropped, ${t.failed} failed\n`);
    }
    const rss = (g: Gateway) => `${g.target.name} ${(rssBytes(g.pid) / 2 ** 20).toFixed(0)} MB`;
    process.stdout.write(`  RSS after the runs: ${all.map(rss).join(', ')}\n`);
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
