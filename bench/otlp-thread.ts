/**
 * `npx tsx bench/otlp-thread.ts`: the export thread's CPU per trace, alone. The built exporter
 * (`dist/`, so `npx tsc -b tsconfig.build.json` first) with its real worker thread sends to a
 * collector stand-in over HTTP (its own process), in this process and without a gateway: the
 * trace heads are queued as the request thread queues them, `BENCH_TRACES` (default 25,600) a
 * round, and the thread's CPU is read from `/proc/self/task/<tid>/schedstat` before and after each
 * round has been exported. So it counts what bench/otlp-encode.ts does not (receiving each
 * batch, garbage collection, HTTP) and none of what bench/telemetry.ts adds (requests, the
 * importer, other threads on the same cores). `BENCH_BASELINE=<built checkout>` adds that
 * checkout's exporter, rounds alternating; `BENCH_STAGES=attributes` for one span per trace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startChild, stopAll } from './lib/procs.js';
import { benchHead, benchResponse } from './lib/trace-heads.js';
import type { OtlpSchema } from '../local-gateway/config/schema.js';
import type { TelemetryExporter } from '../local-gateway/telemetry/exporter.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TRACES = Number(process.env.BENCH_TRACES ?? 25_600);
const STAGES = process.env.BENCH_STAGES === 'attributes' ? 'attributes' : 'spans';

const COLLECTOR = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()); });
s.listen(0, '127.0.0.1', () => console.log('listening http://127.0.0.1:' + s.address().port));
`;

/** CPU time of each of this process's threads named `name`, µs, by thread id. */
function threadsNamed(name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== name) continue;
    // The first field of schedstat is the time the thread has run, in ns (stat's utime and stime count 10 ms ticks).
    out.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1000);
  }
  return out;
}

interface Side {
  name: string;
  exporter: TelemetryExporter;
  tid: number;
  sent: number;
  perTrace: number[];
}

async function side(name: string, root: string, endpoint: string): Promise<Side> {
  const dist = (path: string) => pathToFileURL(join(root, 'dist/local-gateway', path)).href;
  const { OtlpSchema: schema } = (await import(dist('config/schema.js'))) as { OtlpSchema: typeof OtlpSchema };
  const { TelemetryExporter: Exporter } = (await import(dist('telemetry/exporter.js'))) as { TelemetryExporter: typeof TelemetryExporter };
  const before = new Set(threadsNamed('otlp-export').keys());
  const exporter = new Exporter({
    config: schema.parse({ endpoint, max_queue: 1_000_000, stages: STAGES }),
    headers: () => Promise.resolve({}),
    providers: new Map([['standin', { kind: 'openai', baseUrl: 'http://127.0.0.1:4010/v1' }]]),
    resource: { 'service.name': 'gatehouse', 'service.version': '0.1.0', 'host.name': 'laptop' },
  });
  const s: Side = { name, exporter, tid: 0, sent: 0, perTrace: [] };
  await round(s, 4096);
  const tid = [...threadsNamed('otlp-export').keys()].find((t) => !before.has(t));
  if (tid === undefined) throw new Error(`${name}: no new thread named otlp-export`);
  s.tid = tid;
  return s;
}

/** Queues `count` traces and waits until the exporter has exported them all. */
async function round(s: Side, count: number): Promise<void> {
  for (let i = 0; i < count; i++) s.exporter.add({ head: benchHead(s.sent + i), response: benchResponse, bodies: null });
  s.sent += count;
  await s.exporter.flush(120_000);
  const st = s.exporter.status();
  if (st.exported !== s.sent) throw new Error(`${s.name}: ${st.exported} of ${s.sent} exported, ${st.failed} failed, ${st.dropped} dropped (${st.last_error})`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const collector = await startChild('collector', ['-e', COLLECTOR], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
  try {
    const sides = [await side('this checkout', ROOT, collector.match)];
    if (process.env.BENCH_BASELINE) sides.push(await side('baseline', resolve(process.env.BENCH_BASELINE), collector.match));
    const loads = [loadavg()[0]!];
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 ? [...sides].reverse() : sides) {
        const t0 = threadsNamed('otlp-export').get(s.tid)!;
        await round(s, TRACES);
        s.perTrace.push((threadsNamed('otlp-export').get(s.tid)! - t0) / TRACES);
        loads.push(loadavg()[0]!);
      }
    }
    process.stdout.write(`export thread CPU per trace (stages: ${STAGES}), ${ROUNDS} alternating rounds of ${TRACES} traces; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n`);
    for (const s of sides) {
      process.stdout.write(`  ${s.name.padEnd(14)} median ${median(s.perTrace).toFixed(1)} µs (${Math.min(...s.perTrace).toFixed(1)}–${Math.max(...s.perTrace).toFixed(1)}): ${s.perTrace.map((x) => x.toFixed(1)).join(' ')}\n`);
    }
    for (const s of sides) await s.exporter.close();
  } finally {
    await stopAll();
  }
}

await main();
