/**
 * Records ingest into the central gateway, SQLite and PostgreSQL side by side: 64 devices
 * send batches of 500 records over HTTP, 8 at a time, to one or two in-process replicas for
 * a few seconds each. Prints records/s and the batch latency (p50/p99).
 *
 *   scripts/test-services.sh npx tsx bench/central-ingest.ts [--seconds 5]
 *   scripts/test-services.sh npx tsx bench/central-ingest.ts --storm [--devices 2000] [--second-ms 50] [--fleet in|own|both]
 *     [--in-flight 8[,4…]] [--only sqlite|postgres]
 *
 * With `--storm`, a fleet reconnecting at once instead (test/helpers/fleet-storm.ts):
 * `--devices` enrolled devices (default 2,000) with backlogs of 1–13 records send them through
 * 32 connections, in batches of 8, to a central taking `--in-flight` (default 8) batches at a
 * time (several, comma-separated, run one after the other); a tenth replay a
 * batch, a tenth lose an ACK; 429s wait their Retry-After on a clock scaled to `--second-ms`
 * (default 50) ms a second (FLEET_STORM in test/helpers/fleet-storm.ts, shared with the test).
 * The fleet runs in the bench's process (as the test does) and, with `--fleet own`, in a
 * forked process of its own, so the central's loop carries only the server (default: both).
 * Prints the ingest latency (p50/p99 of the batches answered 200) as the devices timed it and
 * as the central's duration histogram has it, the event-loop delay, the 429s and the load.
 *
 * Without GATEHOUSE_TEST_POSTGRES_URL only SQLite runs.
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { EnrollResponseSchema, PATHS, type SyncRecord } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { startCentral, type TestCentral } from '../test/helpers/central.js';
import { enrollFleet, FLEET_STORM, quantile, runStorm, type StormDevice, type StormResult } from '../test/helpers/fleet-storm.js';
import type { FleetAnswer, FleetJob } from './lib/storm-fleet.js';
import { freshDatabase } from '../test/helpers/services.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, storm: { type: 'boolean', default: false }, devices: { type: 'string', default: String(FLEET_STORM.devices) }, 'second-ms': { type: 'string', default: String(FLEET_STORM.options.secondMs) }, fleet: { type: 'string', default: 'both' }, 'in-flight': { type: 'string', default: String(FLEET_STORM.maxIngestInFlight) }, only: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const BATCH = 500;
const DEVICES = 64;
const CONCURRENCY = 8;

function batch(seq: number, device: number): SyncRecord[] {
  return Array.from({ length: BATCH }, (_, i) => ({
    record_id: uuidv7(), seq: seq + i, trace_id: `t${seq + i}`, started_at: Date.now(), duration_ms: 12, api: 'chat.completions', tier: 'prod', status: 200,
    error_code: null, requested_model: 'openai/gpt-4o-mini', resolved_model: 'openai/gpt-4o-mini', provider: 'openai', user: `dev${device}`, team: `team${device % 8}`,
    metadata: { project: `p${device % 5}`, surface: 'ide-agent' }, policy_version: 3,
    usage: { tokens_in: 1200, tokens_out: 300, tokens_cached: null, tokens_reasoning: null, cost_usd: 0.0012 }, verdicts: [],
  }));
}

async function run(name: string, replicas: TestCentral[]): Promise<string> {
  const { pat } = await replicas[0]!.createPat('bench', 'bench');
  const auth = { authorization: `Bearer ${pat}`, 'content-type': 'application/json' };
  const devices = [];
  for (let i = 0; i < DEVICES; i++) {
    const res = await fetch(replicas[i % replicas.length]!.url + PATHS.enroll, { method: 'POST', headers: auth, body: JSON.stringify({ hostname: `h${i}`, platform: 'linux', gatehouse_version: '0.1.0' }) });
    devices.push({ id: EnrollResponseSchema.parse(await res.json()).device_id, seq: 1, n: i });
  }
  // Bodies are built before the clock starts: the figure is the server's, not the generator's.
  const bodies = devices.map((d) => Array.from({ length: 40 }, (_, b) => JSON.stringify({ device_id: d.id, records: batch(1 + b * BATCH, d.n) })));
  const latencies: number[] = [];
  let records = 0;
  let next = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const i = next++;
      const d = i % DEVICES;
      const b = Math.floor(i / DEVICES);
      if (b >= 40) break;
      const t = performance.now();
      const res = await fetch(replicas[i % replicas.length]!.url + PATHS.records, { method: 'POST', headers: auth, body: bodies[d]![b]! });
      await res.text();
      if (res.status !== 200) throw new Error(`${name}: ingest answered ${res.status}`);
      latencies.push(performance.now() - t);
      records += BATCH;
    }
  }));
  const elapsed = SECONDS * 1000 - Math.max(0, end - performance.now());
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  return `${name.padEnd(28)} ${Math.round(records / (elapsed / 1000)).toLocaleString('en-US').padStart(10)} records/s   batch of ${BATCH}: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`;
}

/** Runs the storm's fleet in a forked process (bench/lib/storm-fleet.ts) against `url`. */
function stormElsewhere(url: string, devices: StormDevice[], secondMs: number): Promise<StormResult> {
  const child = fork(fileURLToPath(new URL('./lib/storm-fleet.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (a: FleetAnswer) => (a.ok ? resolve(a.result) : reject(new Error(`the fleet process failed: ${a.error}`))));
    child.once('exit', (code) => reject(new Error(`the fleet process exited (${code}) before answering`)));
    child.send({ urls: [url], devices, secondMs } satisfies FleetJob);
  });
}

/**
 * The reconnect storm against one fresh central; the figures in one line. "client" is what the
 * devices timed (send to ACK read, queueing in their own HTTP client included); "server" is the
 * central's own duration histogram (arrival to answer, as GET /metrics exports it); "loop" is
 * the p99 event-loop delay of the process the central runs in.
 */
async function storm(name: string, where: 'in' | 'own', storage: string | undefined, inFlight: number): Promise<string> {
  const central = await startCentral({ env, storage, maxIngestInFlight: inFlight });
  try {
    const devices = await enrollFleet(central, Number(values.devices), FLEET_STORM.backlog);
    const secondMs = Number(values['second-ms']);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const r = where === 'in' ? await runStorm([central.url], devices, { ...FLEET_STORM.options, secondMs }) : await stormElsewhere(central.url, devices, secondMs);
    loop.disable();
    if (r.mismatches.length > 0) throw new Error(`${name}: ${r.mismatches.length} ACKs did not match what was sent, e.g. ${r.mismatches[0]}`);
    const gate = central.app.central.ingest;
    const f = (ms: number) => ms.toFixed(1).padStart(6);
    const label = `${name}, ${inFlight} in flight, fleet ${where === 'in' ? 'in process' : 'own process'}`;
    return `${label.padEnd(44)} ${r.records} records, ${r.ingestMs.length} batches in ${(r.elapsedMs / 1000).toFixed(1)} s   `
      + `client p50 ${f(quantile(r.ingestMs, 0.5))} p99 ${f(quantile(r.ingestMs, 0.99))} ms   server p50 ${f(gate.quantileMs(0.5))} p99 ${f(gate.quantileMs(0.99))} ms   `
      + `loop p99 ${f(loop.percentile(99) / 1e6)} ms   429s ${r.statuses['429'] ?? 0}   load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  } finally {
    await central.close();
  }
}

const env = { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed };
const lines: string[] = [];
if (values.storm) {
  const pgUrl = process.env.GATEHOUSE_TEST_POSTGRES_URL;
  const wheres = values.fleet === 'both' ? (['in', 'own'] as const) : [values.fleet as 'in' | 'own'];
  const inFlights = values['in-flight'].split(',').map(Number);
  for (const n of inFlights) {
    if (values.only !== 'postgres') for (const where of wheres) lines.push(await storm('SQLite', where, undefined, n));
    if (values.only === 'sqlite') continue;
    if (pgUrl) for (const where of wheres) lines.push(await storm('PostgreSQL', where, pgUrl, n));
    else lines.push('PostgreSQL: skipped (GATEHOUSE_TEST_POSTGRES_URL unset; run under scripts/test-services.sh)');
  }
  console.log(`central ingest, reconnect storm of ${values.devices} devices (${FLEET_STORM.options.concurrency} connections, batches of ${FLEET_STORM.options.batchSize}, Retry-After 1 s = ${values['second-ms']} ms), this machine (${cpus().length} cores):`);
  for (const l of lines) console.log(`  ${l}`);
  process.exit(0);
}
const sqlite = await startCentral({ env, maxIngestInFlight: 64 });
lines.push(await run('SQLite, 1 replica', [sqlite]));
await sqlite.close();
const pgUrl = process.env.GATEHOUSE_TEST_POSTGRES_URL;
if (pgUrl) {
  for (const n of [1, 2]) {
    const db = await freshDatabase(pgUrl);
    const replicas = [];
    for (let i = 0; i < n; i++) replicas.push(await startCentral({ env, database: db.url, maxIngestInFlight: 64 }));
    lines.push(await run(`PostgreSQL, ${n} replica${n > 1 ? 's' : ''}`, replicas));
    for (const r of replicas) await r.close();
    await db.drop();
  }
} else {
  lines.push('PostgreSQL: skipped (GATEHOUSE_TEST_POSTGRES_URL unset; run under scripts/test-services.sh)');
}
console.log(`central ingest, ${DEVICES} devices, ${CONCURRENCY} batches in flight, ${SECONDS} s each, one process on this machine:`);
for (const l of lines) console.log(`  ${l}`);
