import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { EnrollResponseSchema, PATHS, PolicyResponseSchema, RecordsAckSchema, SyncErrorSchema, UsageAnswerSchema, type SyncRecord } from '../sync/protocol.js';
import { rollupShard } from '../sync/central/pg/ingest.js';
import type { PostgresStorage } from '../sync/central/pg/pg-storage.js';
import { generateSigningKey } from '../sync/signing.js';
import { startCentral, testBundle, type TestCentral } from './helpers/central.js';
import { waitFor } from './helpers/gateway.js';
import { adminPool, freshDatabase, testPostgresUrl } from './helpers/services.js';

/**
 * What only a shared PostgreSQL brings: several stateless replicas on one database, each
 * record stored once however the batches race, an ingest transaction killed mid-batch,
 * retention by dropping day partitions, and policy versions reaching every replica.
 */
const url = testPostgresUrl('test/central-postgres.test.ts');
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 1, 9);

function record(seq: number, r: Partial<SyncRecord> = {}): SyncRecord {
  return {
    record_id: uuidv7(), seq, trace_id: `t${seq}`, started_at: T0, duration_ms: 1, api: 'chat.completions', tier: 'dev', status: 200, error_code: null,
    requested_model: 'demo/echo', resolved_model: 'demo/echo', provider: 'demo', user: 'ada', team: 'payments', metadata: { project: 'p' }, policy_version: 1,
    usage: { tokens_in: 10, tokens_out: 1, tokens_cached: null, tokens_reasoning: null, cost_usd: 0.25 }, verdicts: [], ...r,
  };
}

const post = (base: string, pat: string, body: unknown) =>
  fetch(base + PATHS.records, { method: 'POST', headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.skipIf(!url)('central gateway on PostgreSQL: replicas on one database', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: TestCentral;
  let b: TestCentral;
  let c: TestCentral;
  let pat: string;
  let deviceId: string;
  const env = { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed };

  beforeAll(async () => {
    db = await freshDatabase(url!);
    // Three replicas started together: the migration runs once, under its advisory lock. A long poll: NOTIFY must carry the news.
    const replicas = await Promise.all([0, 1, 2].map(() => startCentral({ database: db.url, env, policyPollMs: 3_600_000 })));
    [a, b, c] = replicas as [TestCentral, TestCentral, TestCentral];
    ({ pat } = await a.createPat('ada', 'payments'));
    const res = await fetch(b.url + PATHS.enroll, { method: 'POST', headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'h', platform: 'linux', gatehouse_version: '0.1.0' }) });
    deviceId = EnrollResponseSchema.parse(await res.json()).device_id;
  });
  afterAll(async () => {
    await Promise.all([a, b, c].map((r) => r?.close()));
    await db?.drop();
  });

  const policyAt = async (r: TestCentral) => {
    const res = await fetch(r.url + PATHS.policy, { headers: { authorization: `Bearer ${pat}`, 'x-gatehouse-device': deviceId } });
    return res.status === 200 ? PolicyResponseSchema.parse(await res.json()).version : null;
  };

  it('a version published on one replica is served by the others (LISTEN/NOTIFY), and the next publish elsewhere takes the next number', async () => {
    expect((await a.publish(testBundle())).version).toBe(1);
    await waitFor(async () => (await policyAt(b)) === 1 && (await policyAt(c)) === 1, 'version 1 on replicas b and c');
    expect((await c.publish(testBundle())).version).toBe(2);
    await waitFor(async () => (await policyAt(a)) === 2 && (await policyAt(b)) === 2, 'version 2 on replicas a and b');
  });

  it('stores each record once when the same batches race through every replica', async () => {
    const records = Array.from({ length: 300 }, (_, i) => record(i + 1, { started_at: T0 + (i % 3) * DAY }));
    const batches = [records.slice(0, 150), records.slice(100, 250), records.slice(200)];
    // Each batch sent to all three replicas at once: the original and its retries, overlapping.
    const acks = await Promise.all(batches.flatMap((batch) => [a, b, c].map(async (r) => RecordsAckSchema.parse(await (await post(r.url, pat, { device_id: deviceId, records: batch })).json()))));
    expect(acks.reduce((n, ack) => n + ack.accepted, 0)).toBe(300);
    // A later batch may land first and see the earlier seqs as gaps for a moment; in the end there are none.
    expect(acks.some((ack) => ack.gaps.length === 0)).toBe(true);
    const pool = adminPool(url!, db.name);
    try {
      expect((await pool.query('SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS d FROM records')).rows[0]).toEqual({ n: 300, d: 300 });
      expect((await pool.query('SELECT contiguous_seq::int AS s, records::int AS r, gaps FROM devices WHERE id = $1', [deviceId])).rows[0]).toEqual({ s: 300, r: 300, gaps: [] });
    } finally {
      await pool.end();
    }
    // The rollups (whole days) and a scan of the records (a mid-day bound) agree with what was sent.
    const usage = UsageAnswerSchema.parse(await a.adminJson(`${PATHS.adminUsage}?by=team`)).rows;
    expect(usage).toEqual([{ key: 'payments', requests: 300, tokens_in: 3000, tokens_out: 300, cost_usd: 75, blocked: {} }]);
    const scanned = UsageAnswerSchema.parse(await b.adminJson(`${PATHS.adminUsage}?by=team&since=${T0 - 1}`)).rows;
    expect(scanned).toEqual(usage);
  });

  it('keeps nothing of an ingest transaction killed mid-batch, and counts the retried batch once', async () => {
    // A device of the search team's, so its batch's rollup rows are the search team's (ingest counts a record for its PAT's team).
    const { pat: samPat } = await a.createPat('sam', 'search');
    const enrolled = await fetch(a.url + PATHS.enroll, { method: 'POST', headers: { authorization: `Bearer ${samPat}`, 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'h2', platform: 'linux', gatehouse_version: '0.1.0' }) });
    const samDevice = EnrollResponseSchema.parse(await enrolled.json()).device_id;
    const batch = Array.from({ length: 50 }, (_, i) => record(1 + i, { started_at: T0, user: 'sam', team: 'search' }));
    const pool = adminPool(url!, db.name);
    const holder = await pool.connect();
    try {
      // Hold the search team's rollup row in this device's shard: the ingest inserts its records, then waits on it.
      await pool.query(`INSERT INTO usage_rollups (day, dim, key, tier, shard, requests, tokens_in, tokens_out, cost_usd) VALUES ('2026-05-01', 'team', 'search', '', $1, 0, 0, 0, 0)`, [rollupShard(samDevice)]);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM usage_rollups WHERE dim = 'team' AND key = 'search' FOR UPDATE`);
      const sent = post(a.url, samPat, { device_id: samDevice, records: batch });
      await waitFor(async () => (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'gatehouse-central' AND wait_event_type = 'Lock'`)).rowCount === 1, 'the ingest waiting on the held lock');
      await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gatehouse-central' AND wait_event_type = 'Lock'`);
      const killed = await sent;
      // Retryable for the device (503 with Retry-After), and nothing of the batch stayed.
      expect(killed.status).toBe(503);
      expect(killed.headers.get('retry-after')).toBe('5');
      expect(SyncErrorSchema.parse(await killed.json()).error.code).toBe('GH_ERR_STORAGE_UNAVAILABLE');
      await holder.query('ROLLBACK');
      expect((await pool.query(`SELECT count(*)::int AS n FROM records WHERE team = 'search'`)).rows[0].n).toBe(0);
      const retried = RecordsAckSchema.parse(await (await post(b.url, samPat, { device_id: samDevice, records: batch })).json());
      expect(retried).toEqual({ accepted: 50, duplicates: 0, gaps: [] });
      const search = UsageAnswerSchema.parse(await c.adminJson(`${PATHS.adminUsage}?by=team`)).rows.find((r) => r.key === 'search');
      expect(search).toMatchObject({ requests: 50, cost_usd: 12.5 });
    } finally {
      holder.release();
      await pool.end();
    }
  });

  it('retention drops whole day partitions; the rollups keep the totals', async () => {
    const storage = b.app.central.storage as PostgresStorage;
    expect(await storage.dropRecordsBefore(T0 - (T0 % DAY) + DAY)).toEqual(['records_20260501']);
    // A replica started with --retention-days 2 on May 5 drops May 2 at once (May 3 and 4 are kept).
    const keeper = await startCentral({ database: db.url, env, recordsRetentionDays: 2, clock: () => T0 + 4 * DAY });
    await keeper.close();
    expect(await storage.dropRecordsBefore(T0 - (T0 % DAY) + 2 * DAY)).toEqual([]);
    const pool = adminPool(url!, db.name);
    try {
      expect((await pool.query('SELECT count(*)::int AS n, min(started_at)::float8 AS m FROM records')).rows[0]).toEqual({ n: 100, m: T0 + 2 * DAY });
    } finally {
      await pool.end();
    }
    const team = UsageAnswerSchema.parse(await a.adminJson(`${PATHS.adminUsage}?by=team`)).rows.find((r) => r.key === 'payments');
    expect(team?.requests).toBe(300);
  });

  it('a simulated fleet of 200 devices reconnecting at once with backlogs and replays: slowed by 429s, each record counted once', async () => {
    const d = await startCentral({ database: db.url, env, maxIngestInFlight: 4 });
    try {
      const { pat: fleetPat } = await d.createPat('fleet', 'fleet');
      const auth = { authorization: `Bearer ${fleetPat}`, 'content-type': 'application/json' };
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) {
        const res = await fetch(d.url + PATHS.enroll, { method: 'POST', headers: auth, body: JSON.stringify({ hostname: `fleet-${i}`, platform: 'linux', gatehouse_version: '0.1.0' }) });
        ids.push(EnrollResponseSchema.parse(await res.json()).device_id);
      }
      const statuses = new Map<number, number>();
      let accepted = 0;
      // Until it is taken; a refused batch goes again (the device would wait Retry-After with jitter first).
      const send = async (device: string, records: SyncRecord[]) => {
        for (;;) {
          const res = await fetch(d.url + PATHS.records, { method: 'POST', headers: auth, body: JSON.stringify({ device_id: device, records }) });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) return RecordsAckSchema.parse(await res.json());
          await res.text();
          // The device's full-jitter backoff, scaled from Retry-After's seconds to milliseconds for the test.
          await new Promise((r) => setTimeout(r, Math.random() * 20 * Number(res.headers.get('retry-after') ?? 1)));
        }
      };
      // 32 devices at a time come back (the connections a load balancer would hold open); 200 in all.
      const queue = [...ids];
      const reconnect = async (device: string) => {
        const backlog = Array.from({ length: 8 }, (_, i) => record(i + 1, { team: 'fleet', user: device, started_at: T0 + 2 * DAY }));
        // The first half sent, its ACK lost; then a replay of it with the rest: a partial ACK at the server's end.
        const first = await send(device, backlog.slice(0, 4));
        const second = await send(device, backlog);
        accepted += first.accepted + second.accepted;
        expect(second).toMatchObject({ duplicates: 4, gaps: [] });
      };
      await Promise.all(Array.from({ length: 32 }, async () => {
        for (let device = queue.shift(); device !== undefined; device = queue.shift()) await reconnect(device);
      }));
      expect(accepted).toBe(200 * 8);
      expect([...statuses.keys()].sort()).toEqual([200, 429]);
      const fleet = UsageAnswerSchema.parse(await d.adminJson(`${PATHS.adminUsage}?by=team`)).rows.find((r) => r.key === 'fleet');
      expect(fleet).toMatchObject({ requests: 200 * 8, cost_usd: 200 * 8 * 0.25 });
    } finally {
      await d.close();
    }
  }, 60_000);

  it('answers 429 with Retry-After past the in-flight ingest limit, storing nothing of the refused batch', async () => {
    const d = await startCentral({ database: db.url, env, maxIngestInFlight: 1 });
    const pool = adminPool(url!, db.name);
    const holder = await pool.connect();
    try {
      // One batch held on the device row; the next one to this replica is refused at once.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM devices WHERE id = $1 FOR UPDATE', [deviceId]);
      const first = post(d.url, pat, { device_id: deviceId, records: [record(351)] });
      await waitFor(async () => (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'gatehouse-central' AND wait_event_type = 'Lock'`)).rowCount === 1, 'the ingest waiting on the held lock');
      const busy = await post(d.url, pat, { device_id: deviceId, records: [record(352)] });
      expect(busy.status).toBe(429);
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(SyncErrorSchema.parse(await busy.json()).error.code).toBe('GH_ERR_INGEST_BUSY');
      await holder.query('ROLLBACK');
      expect(RecordsAckSchema.parse(await (await first).json()).accepted).toBe(1);
      expect((await pool.query('SELECT count(*)::int AS n FROM records WHERE seq = 352')).rows[0].n).toBe(0);
    } finally {
      holder.release();
      await pool.end();
      await d.close();
    }
  });
});
