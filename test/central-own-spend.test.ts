import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetView } from '../sync/protocol.js';
import { PATHS } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { testBundle } from './helpers/central.js';
import { killHard, type RunningCentral } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';
import { admin, createCaller, emptyReceived, ledger, matches, ownOutbox, replicaHome, serve, startReplica, type Caller, type Received } from './helpers/own-spend.js';
import { adminPool, freshDatabase, testPostgresUrl } from './helpers/services.js';

/**
 * The usage of requests the central serves on its own client APIs reaches its storage once:
 * each replica writes an outbox record with every trace (in its home) and drains it into the
 * storage in process. Real processes, clients on the official `openai` SDK, an OpenAI stand-in
 * upstream; a replica is SIGKILLed right after answering, before its drain ran (the drain
 * delay is an hour there), and restarted on the same home.
 */
const FILE = 'test/central-own-spend.test.ts';
const PG = testPostgresUrl(FILE);
/** Long enough that no drain runs before the test kills the replica. */
const NEVER_MS = 3_600_000;
const SOON_MS = 50;
const LEDGER_WAIT_MS = 20_000;

let upstream: OpenAIStandin;
const homes: string[] = [];
const running: RunningCentral[] = [];
const seed = generateSigningKey().seed;
const env = { GATEHOUSE_SIGNING_KEY: seed, UPSTREAM_KEY: 'sk-own-spend-upstream' };

beforeAll(async () => {
  upstream = await startOpenAIStandin({ record: false });
});
afterAll(async () => {
  for (const r of running) await killHard(r.child);
  for (const h of homes) rmSync(h, { recursive: true, force: true });
  await upstream?.close();
});

async function replica(home: string, storage: string, drainMs: number): Promise<RunningCentral> {
  const r = await startReplica(home, storage, env, drainMs);
  running.push(r);
  return r;
}

function newHome(): string {
  const home = replicaHome(upstream.url);
  homes.push(home);
  return home;
}

/** The replicas in the fleet view: what each ingested under its own id, and whether its seq has gaps. */
async function replicaDevices(base: string) {
  const fleet = await admin<FleetView>(base, PATHS.adminFleet);
  // A replica is no enrolled device: it is listed apart, never as NEVER/STALE.
  expect(fleet.devices).toEqual([]);
  return fleet.replicas.map((r) => ({ ...r, device_id: r.replica_id }));
}

describe.skipIf(!PG)('central replicas on one PostgreSQL: the spend of their own client APIs', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: RunningCentral;
  let b: RunningCentral;
  let callers: Caller[];
  const got: Received = emptyReceived();

  beforeAll(async () => {
    db = await freshDatabase(PG!);
    a = await replica(newHome(), db.url, SOON_MS);
    b = await replica(newHome(), db.url, SOON_MS);
    await admin(a.url, PATHS.adminPolicies, { method: 'POST', body: testBundle() });
    callers = [await createCaller(a.url, 'ada', 'payments'), await createCaller(b.url, 'bob', 'search')];
  }, 60_000);
  afterAll(async () => db?.drop());

  it('two replicas: the PG usage totals equal what the clients received, each record under its replica with the PAT\'s user, team and metadata', async () => {
    await serve([a, b], callers, 40, got, 'pg');
    const l = await waitFor(async () => { const x = await ledger(a.url); return matches(x, got) ? x : null; }, 'the ledger to hold what the clients received', LEDGER_WAIT_MS);
    expect(new Set(l.records.map((r) => r.trace_id)).size).toBe(40);
    for (const r of l.records) {
      const caller = callers.find((c) => c.user === r.user)!;
      expect(r.team).toBe(caller.team);
      expect(r.metadata.ticket_id).toMatch(/^pg-\d+$/);
    }
    const devices = await replicaDevices(a.url);
    expect(devices).toHaveLength(2);
    expect(new Set(l.records.map((r) => r.device_id))).toEqual(new Set(devices.map((d) => d.device_id)));
    expect(devices.reduce((n, d) => n + d.records, 0)).toBe(40);
    for (const d of devices) expect(d.gaps).toEqual([]);
    // The rollups (what usage by user read) and the records agree, in PostgreSQL itself.
    const pool = adminPool(PG!, db.name);
    try {
      const row = (await pool.query(`SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS d, sum(tokens_in)::int AS tin, sum(tokens_out)::int AS tout, sum(cost_usd)::float8 AS cost FROM records`)).rows[0];
      expect({ n: row.n, d: row.d, tin: row.tin, tout: row.tout }).toEqual({ n: 40, d: 40, tin: got.tokens_in, tout: got.tokens_out });
      expect(row.cost).toBeCloseTo(got.cost_usd, 9);
      const all = (await pool.query(`SELECT sum(requests)::int AS n, sum(cost_usd)::float8 AS cost FROM usage_rollups WHERE dim = '*' AND tier = ''`)).rows[0];
      expect(all.n).toBe(40);
      expect(all.cost).toBeCloseTo(got.cost_usd, 9);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('a replica SIGKILLed right after answering, before its drain ran, and restarted on its home: the ledger equals what the clients received, no record twice', async () => {
    const home = newHome();
    const c = await replica(home, db.url, NEVER_MS);
    await serve([c], callers, 30, got, 'killed');
    await killHard(c.child);
    // Nothing of it reached the storage: its drain never ran.
    expect((await ledger(a.url)).records).toHaveLength(40);
    const again = await replica(home, db.url, SOON_MS);
    const l = await waitFor(async () => { const x = await ledger(a.url); return matches(x, got) ? x : null; }, 'the killed replica\'s records after its restart', LEDGER_WAIT_MS);
    expect(l.records).toHaveLength(70);
    expect(new Set(l.records.map((r) => r.trace_id)).size).toBe(70);
    const mine = l.records.filter((r) => r.metadata.ticket_id?.startsWith('killed-'));
    expect(mine).toHaveLength(30);
    // One device (its id kept in its home), seq 1..30 without a gap.
    expect(new Set(mine.map((r) => r.device_id)).size).toBe(1);
    const device = (await replicaDevices(a.url)).find((d) => d.device_id === mine[0]!.device_id)!;
    expect(device).toMatchObject({ records: 30, gaps: [] });
    await waitFor(async () => (await ownOutbox(again.url)).depth === 0, 'the restarted replica\'s outbox to empty');
  }, 60_000);
});

describe('the embedded SQLite central: the spend of its own client APIs', () => {
  it('status shows the waiting records; SIGKILLed before the drain, restarted, and again with its acknowledgements lost: each request counted once', async () => {
    const home = newHome();
    const got = emptyReceived();
    const first = await replica(home, 'sqlite', NEVER_MS);
    await admin(first.url, PATHS.adminPolicies, { method: 'POST', body: testBundle() });
    const callers = [await createCaller(first.url, 'cy', 'infra'), await createCaller(first.url, 'di', 'ml')];
    await serve([first], callers, 20, got, 'lite');
    // The replica's own outbox depth, in its status, once the importer stored the traces.
    await waitFor(async () => (await ownOutbox(first.url)).depth === 20, 'the 20 records in the replica\'s own outbox');
    // The admin API's fleet view says the same, for the replica that answered.
    const fleet = await admin<FleetView>(first.url, PATHS.adminFleet);
    expect(fleet.answered_by.outbox.depth).toBe(20);
    expect(fleet.replicas).toEqual([expect.objectContaining({ replica_id: fleet.answered_by.replica_id, records: 0 })]);
    // And 5 more, killed right after the answers (their traces may be in the journal only).
    await serve([first], callers, 5, got, 'lite-late');
    await killHard(first.child);

    // Restarted with its drain still off: the 5 journaled traces are stored with their records on start.
    const second = await replica(home, 'sqlite', NEVER_MS);
    await waitFor(async () => (await ownOutbox(second.url)).depth === 25, 'the 25 records waiting after the restart');
    expect((await ledger(second.url)).records).toHaveLength(0);
    await killHard(second.child);
    // The replica's trace store as it is now: every record waiting, none acknowledged.
    const files = ['gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm', 'traces.journal'];
    for (const f of files) if (existsSync(join(home, f))) copyFileSync(join(home, f), join(home, `${f}.waiting`));

    const drained = await replica(home, 'sqlite', SOON_MS);
    await waitFor(async () => matches(await ledger(drained.url), got), 'the ledger after the restart', LEDGER_WAIT_MS);
    await waitFor(async () => (await ownOutbox(drained.url)).depth === 0, 'the outbox acknowledged');
    await killHard(drained.child);

    // Ingest committed, acknowledgements lost: the same records are sent again, and deduped.
    for (const f of files) {
      rmSync(join(home, f), { force: true });
      if (existsSync(join(home, `${f}.waiting`))) copyFileSync(join(home, `${f}.waiting`), join(home, f));
    }
    const third = await replica(home, 'sqlite', SOON_MS);
    await waitFor(async () => (await ownOutbox(third.url)).depth === 0, 'the resent records acknowledged');
    const l = await ledger(third.url);
    expect(matches(l, got)).toBe(true);
    expect(l.records).toHaveLength(25);
    expect(new Set(l.records.map((r) => r.trace_id)).size).toBe(25);
    const [device] = await replicaDevices(third.url);
    expect(device).toMatchObject({ records: 25, gaps: [] });
  }, 90_000);

  it('a graceful stop (SIGTERM) hands over what waits before it closes the storage', async () => {
    const home = newHome();
    const got = emptyReceived();
    const r = await replica(home, 'sqlite', NEVER_MS);
    await admin(r.url, PATHS.adminPolicies, { method: 'POST', body: testBundle() });
    await serve([r], [await createCaller(r.url, 'eve', 'ops')], 8, got, 'stop');
    const exited = new Promise((resolve) => r.child.once('exit', resolve));
    r.child.kill('SIGTERM');
    await exited;
    // Started again with its drain still parked: only the stop can have delivered them.
    const again = await replica(home, 'sqlite', NEVER_MS);
    expect((await ownOutbox(again.url)).depth).toBe(0);
    expect(matches(await ledger(again.url), got)).toBe(true);
  }, 60_000);
});
