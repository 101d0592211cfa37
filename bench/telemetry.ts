/**
 * `npx tsx bench/telemetry.ts`: what OTLP export costs the gateway's throughput. Two built
 * gateways on the same stand-in, one with `telemetry.otlp` to a collector stand-in that
 * answers every export (its own process), one without; autocannon against each in turn,
 * alternating, in one run. Prints req/s per run and the ratio of the medians.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, type Target } from './lib/measure.js';
import { freePort, startChild, stopAll, waitHealthy, type Child } from './lib/procs.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TOKEN = 'bench-token';
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

async function gatehouse(scratch: string, label: string, standinPort: number, collector: string | null): Promise<{ child: Child; origin: string }> {
  const home = join(scratch, label);
  mkdirSync(home, { recursive: true });
  const lines = ['providers:', '  - id: standin', '    kind: openai', `    base_url: http://127.0.0.1:${standinPort}/v1`, '    api_key: env:STANDIN_API_KEY'];
  if (collector) lines.push(`telemetry: { otlp: { endpoint: ${collector}, protocol: http/protobuf } }`);
  writeFileSync(join(home, 'gatehouse.yaml'), `${lines.join('\n')}\n`);
  const port = await freePort();
  const { child, match } = await startChild(`gatehouse (${label})`, [join(ROOT, 'bin/gatehouse.js'), 'start'], {
    cwd: ROOT,
    ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/,
    timeoutMs: 20_000,
    env: { GATEHOUSE_HOME: home, GATEHOUSE_PORT: String(port), GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_CONFIG: join(home, 'gatehouse.yaml'), STANDIN_API_KEY: 'sk-bench', GATEHOUSE_KEYCHAIN: 'off' },
  });
  await waitHealthy(`${match}/healthz`);
  return { child, origin: match };
}

function target(name: string, origin: string): Target {
  const body = JSON.stringify({ model: 'standin/bench-model', messages: [{ role: 'user', content: 'Say hello to the benchmark in one short sentence.' }] });
  return { name, origin, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body, streamBody: body };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-otlp-'));
  try {
    const standin = await startChild('stand-in', ['--import', 'tsx', join(ROOT, 'test/standins/openai-upstream.ts'), '--port', '0'], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const standinPort = Number(new URL(standin.match).port);
    const collector = await startChild('collector', ['-e', COLLECTOR], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const plain = target('without export', (await gatehouse(scratch, 'plain', standinPort, null)).origin);
    const exporting = target('with OTLP export', (await gatehouse(scratch, 'otlp', standinPort, collector.match)).origin);
    const rps: Record<string, number[]> = { [plain.name]: [], [exporting.name]: [] };
    for (const t of [plain, exporting]) await load(t, CONNECTIONS, { seconds: 1 });
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of round % 2 === 0 ? [plain, exporting] : [exporting, plain]) {
        const r = await load(t, CONNECTIONS, { seconds: SECONDS });
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${t.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        rps[t.name]!.push(r.rps);
        process.stderr.write(`[bench] round ${round + 1} ${t.name}: ${r.rps.toFixed(0)} req/s\n`);
      }
    }
    const a = median(rps[plain.name]!);
    const b = median(rps[exporting.name]!);
    process.stdout.write(`\nOTLP export overhead (${ROUNDS} alternating ${SECONDS}s runs, ${CONNECTIONS} connections, median)\n`);
    process.stdout.write(`  without export   ${a.toFixed(0)} req/s\n  with export      ${b.toFixed(0)} req/s\n  cost             ${((1 - b / a) * 100).toFixed(1)}% of throughput (target ≤ 5%)\n`);
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
