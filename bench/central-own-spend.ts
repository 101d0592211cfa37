/**
 * `npx tsx bench/central-own-spend.ts` (under `scripts/test-services.sh` for the PostgreSQL
 * rows): the central replica's own spend, side by side in one run.
 *
 * 1. Drain: a replica's outbox filled with 20,000 records (traces stored as the importer
 *    stores them) handed to its storage in process; records/s into SQLite and PostgreSQL.
 * 2. Importer cost: storing traces with their outbox record (the replica) and without (no
 *    device), interleaved chunks; the added µs per trace is spent on the importer thread.
 * 3. Served → in the ledger: sequential chat requests through an in-process central (demo
 *    provider); the time from the answer until its record is in the storage, at the default
 *    drain delay (1 s) and at 50 ms, and the request p50 with the drain running and parked.
 *
 * Writes test-results/bench-central-own-spend.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { listenLoopback } from '../local-gateway/server/app.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { makeTrace } from '../local-gateway/store/testing.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { createCentral } from '../sync/central/app.js';
import { enrollReplica, storageTransport } from '../sync/central/own-records.js';
import { openStorage } from '../sync/central/storage-open.js';
import type { CentralStorage } from '../sync/central/storage.js';
import { createRecordsOutbox } from '../sync/device/outbox-sender.js';
import { PATHS } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { createLogger } from '../local-gateway/core/log.js';
import { openKeychain } from '../local-gateway/keychain/index.js';
import { percentiles } from './lib/measure.js';
import { runBench } from './lib/procs.js';
import { runMeta, table, writeResults } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CFG = { records: 20_000, chunk: 500, importerRounds: 10, served: 60, warmup: 10 };
const ADMIN = 'gh_admin_bench_own_spend_0123456789';
const noKeychain = openKeychain({ GATEHOUSE_KEYCHAIN: 'off' });

async function drainInto(storage: CentralStorage, scratch: string, name: string) {
  const home = mkdtempSync(join(scratch, `${name}-`));
  const id = await enrollReplica(storage, home, Date.now);
  const db = openDatabase(join(home, 'gatehouse.db'));
  try {
    const store = new TraceStore(db);
    store.outbox.setDevice(id);
    for (let done = 0; done < CFG.records; done += CFG.chunk) store.insertMany(Array.from({ length: CFG.chunk }, () => makeTrace()));
    const outbox = createRecordsOutbox({ store, transport: storageTransport(storage, id, Date.now), push: () => ({ push: ['usage', 'verdicts'], logging: 'full' }) });
    const start = performance.now();
    const result = await outbox.drain();
    const seconds = (performance.now() - start) / 1000;
    await outbox.close();
    const stored = (await storage.fleet()).find((d) => d.id === id)?.records ?? 0;
    return { name, seconds, recordsPerS: Math.round(result.sent / seconds), sent: result.sent, stored, left: result.remaining };
  } finally {
    closeDatabase(db);
  }
}

/** Per trace stored, with and without its outbox record, in interleaved chunks on one thread. */
function importerCost(scratch: string) {
  const stores = (['without', 'with'] as const).map((mode) => {
    const db = openDatabase(join(scratch, `importer-${mode}.db`));
    const store = new TraceStore(db);
    store.outbox.setDevice(mode === 'with' ? 'rep_bench' : null);
    return { mode, db, store, us: [] as number[] };
  });
  for (let round = 0; round < CFG.importerRounds; round++) {
    for (const s of round % 2 === 0 ? stores : [...stores].reverse()) {
      const traces = Array.from({ length: CFG.chunk }, () => makeTrace());
      const t = performance.now();
      s.store.insertMany(traces);
      s.us.push(((performance.now() - t) * 1000) / CFG.chunk);
    }
  }
  for (const s of stores) closeDatabase(s.db);
  return Object.fromEntries(stores.map((s) => [s.mode, percentiles(s.us).p50]));
}

/** Sequential requests through an in-process central; per request its latency and the time until its record is stored. */
async function served(scratch: string, drainMs: number) {
  const home = mkdtempSync(join(scratch, `served-${drainMs}-`));
  const app = await createCentral({ home, adminToken: ADMIN, org: 'acme', env: { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed }, config: ConfigSchema.parse({}), ownDrainMs: drainMs, keychain: noKeychain });
  try {
    const url = await listenLoopback(app, 0);
    const adminHeaders = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const { pat } = (await (await fetch(url + PATHS.adminPats, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ user: 'bench', team: null }) })).json()) as { pat: string };
    const stored = async () => (await app.central.storage.fleet()).find((d) => d.id === app.central.replicaId)?.records ?? 0;
    const request = { method: 'POST', headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hello' }] }) };
    const latency: number[] = [];
    const toLedger: number[] = [];
    for (let i = 0; i < CFG.warmup + CFG.served; i++) {
      const before = await stored();
      const t = performance.now();
      const res = await fetch(`${url}/v1/chat/completions`, request);
      await res.text();
      const answered = performance.now();
      while ((await stored()) === before) await new Promise((r) => setTimeout(r, 2));
      if (i >= CFG.warmup) {
        latency.push(answered - t);
        toLedger.push(performance.now() - answered);
      }
    }
    return { drainMs, request: percentiles(latency), toLedger: percentiles(toLedger) };
  } finally {
    await app.close();
  }
}

/** Request latency with the drain parked (records wait) against it running every 50 ms, interleaved. */
async function requestCost(scratch: string) {
  const apps = await Promise.all([50, 3_600_000].map(async (drainMs) => {
    const home = mkdtempSync(join(scratch, `cost-${drainMs}-`));
    const app = await createCentral({ home, adminToken: ADMIN, org: 'acme', env: { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed }, config: ConfigSchema.parse({}), ownDrainMs: drainMs, keychain: noKeychain });
    const url = await listenLoopback(app, 0);
    const { pat } = (await (await fetch(url + PATHS.adminPats, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'bench', team: null }) })).json()) as { pat: string };
    return { drainMs, app, url, pat, ms: [] as number[] };
  }));
  try {
    for (let i = 0; i < 400; i++) {
      for (const a of i % 2 === 0 ? apps : [...apps].reverse()) {
        const t = performance.now();
        const res = await fetch(`${a.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${a.pat}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hello' }] }) });
        await res.text();
        if (i >= 50) a.ms.push(performance.now() - t);
      }
    }
    return Object.fromEntries(apps.map((a) => [a.drainMs === 50 ? 'drain every 50 ms' : 'drain parked', percentiles(a.ms)]));
  } finally {
    for (const a of apps) await a.app.close();
  }
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-own-spend-'));
  const log = createLogger(false, []);
  try {
    const drains = [];
    const lite = await openStorage('sqlite', { home: mkdtempSync(join(scratch, 'central-')), env: process.env, keychain: noKeychain, log });
    drains.push(await drainInto(lite.storage, scratch, 'sqlite'));
    await lite.storage.close();
    const pgUrl = process.env.GATEHOUSE_TEST_POSTGRES_URL;
    if (pgUrl) {
      const pg = await openStorage(pgUrl, { home: scratch, env: process.env, keychain: noKeychain, log });
      drains.push(await drainInto(pg.storage, scratch, 'postgres'));
      await pg.storage.close();
    } else {
      process.stdout.write('PostgreSQL row skipped: run under scripts/test-services.sh\n');
    }
    const importer = importerCost(scratch);
    const ledger = [await served(scratch, 1000), await served(scratch, 50)];
    const cost = await requestCost(scratch);

    const ms = (v: number) => `${v.toFixed(2)} ms`;
    process.stdout.write(`\nDrain of a replica's own outbox into its storage, in process (${CFG.records.toLocaleString('en')} records, batches of 1,000)\n`);
    process.stdout.write(table([['storage', 'drain', 'records/s', 'sent', 'stored'], ...drains.map((d) => [d.name, `${d.seconds.toFixed(2)} s`, d.recordsPerS.toLocaleString('en'), String(d.sent), String(d.stored)])]) + '\n');
    process.stdout.write(`\nImporter thread, per trace stored (p50 of ${CFG.importerRounds / 2} chunks of ${CFG.chunk} each)\n`);
    process.stdout.write(table([['without outbox record', 'with outbox record', 'added'], [`${importer.without!.toFixed(1)} µs`, `${importer.with!.toFixed(1)} µs`, `${(importer.with! - importer.without!).toFixed(1)} µs`]]) + '\n');
    process.stdout.write(`\nServed → in the ledger (SQLite storage, ${CFG.served} sequential requests, demo provider)\n`);
    process.stdout.write(table([['drain delay', 'request p50', 'answer → stored p50', 'p99'], ...ledger.map((l) => [`${l.drainMs} ms`, ms(l.request.p50), ms(l.toLedger.p50), ms(l.toLedger.p99)])]) + '\n');
    process.stdout.write('\nRequest cost of the drain (350 interleaved rounds)\n');
    process.stdout.write(table([['replica', 'p50', 'p99'], ...Object.entries(cost).map(([k, p]) => [k, ms(p.p50), ms(p.p99)])]) + '\n');
    writeResults(ROOT, 'bench-central-own-spend.json', { meta: runMeta(CFG.served), drains, importer, ledger, cost });
    return drains.every((d) => d.stored === CFG.records && d.left === 0) ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

runBench(main);
