/**
 * `npx tsx bench/telemetry.ts`: what OTLP export costs the gateway's throughput. Built
 * gateways on the same stand-in: one without export, and others with `telemetry.otlp` to a
 * collector stand-in that answers every export (its own process, so its CPU is not counted):
 * a span per stage (the default), `stages: attributes`, and the default with the default
 * queue (2,048 traces), to show whether anything drops under this load; autocannon against
 * each in turn, alternating, in one run. Each gateway's CPU per request is read per thread
 * from /proc (the request thread, the export thread `otlp-export`, the store's importer
 * `trace-import`, the rest: V8's and libuv's helpers), so the export's cost is split by where
 * it is paid; the cost is the difference from the gateway without export in the same round,
 * reported as the median and min–max over the rounds. The exporting gateways' queue is large
 * enough that no trace is dropped, and a round's CPU is read once every trace it served has
 * been exported, so the figure is the cost of exporting all of them.
 * `BENCH_BASELINE=/path/to/checkout` (built, e.g. `git worktree add` of an older commit and
 * `npx tsc -b tsconfig.build.json` there) adds a gateway exporting from that checkout's code,
 * in the same alternation (its threads are unnamed: its export thread and importer count
 * under the rest).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, type Target } from './lib/measure.js';
import { freePort, rssBytes, startChild, stopAll, threadCpuMicros, waitHealthy, type Child } from './lib/procs.js';
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

async function gatehouse(root: string, scratch: string, label: string, standinPort: number, collector: string | null, stages: 'spans' | 'attributes' | null, maxQueue: number | null): Promise<{ child: Child; origin: string }> {
  const home = join(scratch, label);
  mkdirSync(home, { recursive: true });
  const lines = ['providers:', '  - id: standin', '    kind: openai', `    base_url: http://127.0.0.1:${standinPort}/v1`, '    api_key: env:STANDIN_API_KEY'];
  if (collector) lines.push(`telemetry: { otlp: { endpoint: ${collector}, protocol: http/protobuf${maxQueue === null ? '' : `, max_queue: ${maxQueue}`}${stages ? `, stages: ${stages}` : ''} } }`);
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
const load1 = () => loadavg()[0]!;

/** Where a gateway's CPU goes, per request: by thread. */
const PARTS = ['all', 'request', 'export', 'import', 'rest'] as const;
type Part = (typeof PARTS)[number];
type Split = Record<Part, number>;

/** CPU used by each part of the gateway between two thread snapshots, µs. */
function split(pid: number, before: ReturnType<typeof threadCpuMicros>, after: ReturnType<typeof threadCpuMicros>): Split {
  const out: Split = { all: 0, request: 0, export: 0, import: 0, rest: 0 };
  for (const [tid, t] of after) {
    const used = t.micros - (before.get(tid)?.micros ?? 0);
    const part: Part = tid === pid ? 'request' : t.name === 'otlp-export' ? 'export' : t.name === 'trace-import' ? 'import' : 'rest';
    out[part] += used;
    out.all += used;
  }
  return out;
}

/** Median and min–max of a list of figures; `signed` marks gains with a +. */
function spread(xs: number[], signed = false): string {
  const us = (x: number) => `${x < 0 ? '−' : signed ? '+' : ''}${Math.abs(x).toFixed(1)}`;
  return `${us(median(xs))} (${us(Math.min(...xs))}…${us(Math.max(...xs))})`;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-otlp-'));
  try {
    const standin = await startChild('stand-in', ['--import', 'tsx', join(ROOT, 'test/standins/openai-upstream.ts'), '--port', '0'], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const standinPort = Number(new URL(standin.match).port);
    const collector = await startChild('collector', ['-e', COLLECTOR], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const start = async (name: string, label: string, otlp: string | null, opts: { root?: string; stages?: 'attributes'; maxQueue?: number | null } = {}): Promise<Gateway> => {
      const g = await gatehouse(opts.root ?? ROOT, scratch, label, standinPort, otlp, opts.stages ?? null, opts.maxQueue === undefined ? 1_000_000 : opts.maxQueue);
      return { target: target(name, g.origin), pid: g.child.pid };
    };
    const plain = await start('without export', 'plain', null);
    const exporting = await start('with OTLP export', 'otlp', collector.match);
    const attributes = await start('export, stages as attributes', 'otlp-attributes', collector.match, { stages: 'attributes' });
    const defaultQueue = await start('export, default queue', 'otlp-default-queue', collector.match, { maxQueue: null });
    const baselineRoot = process.env.BENCH_BASELINE;
    const all = [plain, exporting, attributes, defaultQueue, ...(baselineRoot ? [await start('export, baseline', 'baseline', collector.match, { root: resolve(baselineRoot) })] : [])];
    const rps = new Map(all.map((g) => [g, [] as number[]]));
    const cpu = new Map(all.map((g) => [g, [] as Split[]]));
    const loads: number[] = [load1()];
    process.stdout.write(`load average ${load1().toFixed(1)} at the start\n`);
    const served = new Map<Gateway, number>();
    for (const g of all) {
      served.set(g, (await load(g.target, CONNECTIONS, { seconds: 1 })).total);
      await drained(g, served.get(g)!);
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with the next gateway, so each is first (and last) as often as the others.
      for (const g of all.map((_, i) => all[(i + round) % all.length]!)) {
        const before = threadCpuMicros(g.pid);
        const r = await load(g.target, CONNECTIONS, { seconds: SECONDS });
        served.set(g, served.get(g)! + r.total);
        await drained(g, served.get(g)!);
        const used = split(g.pid, before, threadCpuMicros(g.pid));
        const perRequest = Object.fromEntries(PARTS.map((p) => [p, used[p] / r.total])) as Split;
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${g.target.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        rps.get(g)!.push(r.rps);
        cpu.get(g)!.push(perRequest);
        loads.push(load1());
        process.stdout.write(`  round ${round + 1} ${g.target.name.padEnd(29)} ${r.rps.toFixed(0).padStart(6)} req/s, CPU/request ${perRequest.all.toFixed(0).padStart(4)} µs: request thread ${perRequest.request.toFixed(0).padStart(4)}, export ${perRequest.export.toFixed(1).padStart(5)}, importer ${perRequest.import.toFixed(1).padStart(5)}, rest ${perRequest.rest.toFixed(1).padStart(5)}; load ${load1().toFixed(1)}\n`);
      }
    }
    const of = (g: Gateway, p: Part) => cpu.get(g)!.map((c) => c[p]);
    // Each round's figure against the gateway without export in the same round: drift in the machine's load hits both.
    const paired = (g: Gateway, p: Part) => cpu.get(g)!.map((c, i) => c[p] - cpu.get(plain)![i]![p]);
    process.stdout.write(`\nOTLP export overhead (${ROUNDS} alternating ${SECONDS}s runs, ${CONNECTIONS} connections; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)})\n`);
    process.stdout.write('  CPU per request, µs, median (min…max over the rounds)\n');
    for (const g of all) {
      process.stdout.write(`  ${g.target.name}: ${median(rps.get(g)!).toFixed(0)} req/s; all ${spread(of(g, 'all'))}, request thread ${spread(of(g, 'request'))}, export thread ${spread(of(g, 'export'))}, importer ${spread(of(g, 'import'))}, rest ${spread(of(g, 'rest'))}\n`);
      if (g === plain) continue;
      const pct = paired(g, 'all').map((d, i) => (d / cpu.get(plain)![i]!.all) * 100);
      process.stdout.write(`    cost against the gateway without export, same round: all ${spread(paired(g, 'all'), true)} µs = ${spread(pct, true)}% (target ≤ 5%); request thread ${spread(paired(g, 'request'), true)}, export thread ${spread(paired(g, 'export'), true)}, importer ${spread(paired(g, 'import'), true)}, rest ${spread(paired(g, 'rest'), true)}\n`);
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
