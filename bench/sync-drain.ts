/**
 * `npm run bench:sync`: the records outbox's two targets from the fleet sync issue.
 *
 * 1. Drain: an outbox filled with 100,000 records (traces inserted as the importer does, a
 *    record each) drains to the reference central gateway in another process; records/s and
 *    total time, and the central's count must equal the records sent. Target: < 30 s.
 * 2. Request path: p50 of small chat requests through two gateways in one run, each its own
 *    process, one enrolled (its sync polls the policy and drains the outbox in the
 *    background, records written with each trace), one not. Target: no measurable difference.
 * 3. Policy reach: the central publishes a new version; the time until the enrolled gateway
 *    has it in force, with real timers. Target: within one poll interval (plus its jitter).
 *
 * Writes test-results/bench-sync.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { makeTrace } from '../local-gateway/store/testing.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { createRecordsOutbox } from '../sync/device/outbox-sender.js';
import { FleetViewSchema, PATHS } from '../sync/protocol.js';
import { sequentialLatency, type Target } from './lib/measure.js';
import { runBench, startChild, stopAll } from './lib/procs.js';
import { runMeta, table, writeResults } from './lib/report.js';
import { benchBundle, POLL_INTERVAL_S } from './lib/sync-bundle.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CFG = { records: 100_000, fillBatch: 1000, drainTargetS: 30, latencyN: 1500, latencyWarmup: 200, publishes: 3 };

interface Central {
  url: string;
  pat: string;
  drainDevice: string;
  admin: string;
}

/** Records the central gateway holds for a device, from its fleet view. */
async function stored(c: Central, device: string): Promise<number> {
  const res = await fetch(`${c.url}${PATHS.adminFleet}`, { headers: { authorization: `Bearer ${c.admin}` } });
  const fleet = FleetViewSchema.parse(await res.json());
  return fleet.devices.find((d) => d.device_id === device)?.records ?? 0;
}

async function drainBench(scratch: string, c: Central) {
  const db = openDatabase(join(scratch, 'drain.db'));
  try {
    const store = new TraceStore(db);
    store.outbox.setDevice(c.drainDevice);
    const fillStart = performance.now();
    for (let done = 0; done < CFG.records; done += CFG.fillBatch) store.insertMany(Array.from({ length: CFG.fillBatch }, () => makeTrace()));
    const fillS = (performance.now() - fillStart) / 1000;
    const outbox = createRecordsOutbox({
      store,
      link: () => ({ url: c.url, deviceId: c.drainDevice, pat: async () => c.pat }),
      push: () => ({ push: ['usage', 'verdicts'], logging: 'full' }),
    });
    const start = performance.now();
    const result = await outbox.drain();
    const seconds = (performance.now() - start) / 1000;
    await outbox.close();
    return { fillS, seconds, recordsPerS: result.sent / seconds, result, received: await stored(c, c.drainDevice) };
  } finally {
    closeDatabase(db);
  }
}

/** Publishes new versions one after another; for each, the seconds until the gateway enforces it. */
async function policyReach(c: Central, gateway: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < CFG.publishes; i++) {
    const res = await fetch(`${c.url}${PATHS.adminPolicies}`, { method: 'POST', headers: { authorization: `Bearer ${c.admin}`, 'content-type': 'application/yaml' }, body: benchBundle(`reach-${i}`) });
    if (!res.ok) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
    const { version } = (await res.json()) as { version: number };
    const start = performance.now();
    for (;;) {
      const view = (await (await fetch(`${gateway}/api/policy`, { headers: { authorization: 'Bearer bench-token' } })).json()) as { version: number | null };
      if (view.version === version) break;
      if (performance.now() - start > POLL_INTERVAL_S * 3000) throw new Error(`version ${version} did not reach the gateway within 3 intervals`);
      await new Promise((r) => setTimeout(r, 50));
    }
    out.push((performance.now() - start) / 1000);
  }
  return out;
}

function chatTarget(name: string, origin: string): Target {
  const body = (stream: boolean) => JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], ...(stream ? { stream } : {}) });
  return { name, origin, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' }, body: body(false), streamBody: body(true) };
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-sync-'));
  try {
    const started = await startChild('central', ['--import', 'tsx', join(ROOT, 'bench/lib/central-main.ts')], { cwd: ROOT, ready: /listening (\S+ \S+ \S+ \S+)/ });
    const [url, pat, drainDevice, admin] = started.match.split(' ') as [string, string, string, string];
    const c: Central = { url, pat, drainDevice, admin };
    const drain = await drainBench(scratch, c);

    const gateway = (mode: 'on' | 'off') =>
      startChild(`gateway-${mode}`, ['--import', 'tsx', join(ROOT, 'bench/lib/gateway-main.ts'), join(scratch, mode), mode, c.url, c.pat], { cwd: ROOT, ready: /listening (\S+ \S+)/ });
    const off = (await gateway('off')).match.split(' ')[0]!;
    const [onUrl, gatewayDevice] = (await gateway('on')).match.split(' ') as [string, string];
    const lat = await sequentialLatency([chatTarget('outbox off', off), chatTarget('outbox on', onUrl)], CFG.latencyN, CFG.latencyWarmup);
    const p = (name: string) => lat.get(name)!;
    // Give the background sender its next cycle, then check the enrolled gateway's records arrived.
    const expected = CFG.latencyN + CFG.latencyWarmup;
    const until = Date.now() + 20_000;
    let delivered = await stored(c, gatewayDevice);
    while (delivered < expected && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      delivered = await stored(c, gatewayDevice);
    }
    const reach = await policyReach(c, onUrl);
    await stopAll();

    // The central dedupes on record_id: its count equal to what was sent means none lost and none twice.
    const drainOk = drain.seconds < CFG.drainTargetS && drain.received === CFG.records && drain.result.sent === CFG.records;
    const us = (v: number) => `${(v / 1000).toFixed(3)} ms`;
    process.stdout.write(`\nOutbox drain (${CFG.records.toLocaleString('en')} records, batches of 1,000, gzip, to the reference central gateway in its own process)\n`);
    process.stdout.write(table([
      ['fill (insert traces + records)', 'drain', 'records/s', 'sent', 'stored at central', `target < ${CFG.drainTargetS} s`],
      [`${drain.fillS.toFixed(1)} s`, `${drain.seconds.toFixed(2)} s`, Math.round(drain.recordsPerS).toLocaleString('en'), String(drain.result.sent), String(drain.received), drainOk ? 'pass' : 'FAIL'],
    ]) + '\n');
    process.stdout.write(`\nRequest path: small chat requests, demo provider, ${CFG.latencyN} interleaved rounds\n`);
    process.stdout.write(table([
      ['gateway', 'p50', 'p99'],
      ['outbox off (not enrolled)', us(p('outbox off').p50), us(p('outbox off').p99)],
      ['outbox on (enrolled, draining)', us(p('outbox on').p50), us(p('outbox on').p99)],
    ]) + '\n');
    process.stdout.write(`records delivered by the enrolled gateway: ${delivered} of ${expected}\n`);
    const reachLimitS = POLL_INTERVAL_S * 1.1;
    const reachOk = reach.every((s) => s <= reachLimitS);
    process.stdout.write(`\nPolicy reach: publish → in force on the enrolled gateway (poll interval ${POLL_INTERVAL_S} s, jitter ±10%), ${CFG.publishes} publishes\n`);
    process.stdout.write(table([
      ['publish', ...reach.map((_, i) => String(i + 1)), `target ≤ ${reachLimitS.toFixed(0)} s`],
      ['seconds', ...reach.map((s) => s.toFixed(2)), reachOk ? 'pass' : 'FAIL'],
    ]) + '\n');
    writeResults(ROOT, 'bench-sync.json', { meta: runMeta(CFG.latencyN), drain, latency: Object.fromEntries(lat), delivered, expected, policy_reach_s: reach });
    return drainOk && delivered === expected && reachOk ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

runBench(main);
