import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { EnrollResponseSchema, PATHS, RecordsAckSchema, type SyncRecord } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { killHard, spawnCentral, type RunningCentral } from './helpers/cli.js';
import { adminPool, freshDatabase, testPostgresUrl } from './helpers/services.js';

/**
 * `gatehouse central start --storage postgres://…` as three real processes on one database,
 * devices spreading their batches over them; one replica is SIGKILLed while batches are in
 * flight. The devices retry what got no answer on another replica (as their outbox does):
 * in the end the ledger holds every record exactly once, and the ACKs the devices received
 * add up to it.
 */
const url = testPostgresUrl('test/central-replicas.e2e.test.ts');
const ADMIN = 'gh_admin_replicas_test_token_0123456789';

describe.skipIf(!url)('central replicas on one PostgreSQL (real processes)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const replicas: RunningCentral[] = [];
  const homes: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase(url!);
    const env = { GATEHOUSE_ADMIN_TOKEN: ADMIN, GATEHOUSE_SIGNING_KEY: generateSigningKey().seed, GATEHOUSE_ORG: 'acme' };
    for (let i = 0; i < 3; i++) {
      const home = mkdtempSync(join(tmpdir(), 'gatehouse-replica-'));
      homes.push(home);
      replicas.push(await spawnCentral(['--port', '0', '--home', home, '--storage', db.url], env));
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) await killHard(r.child);
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    await db?.drop();
  });

  it('prints where it stores without the password', () => {
    for (const r of replicas) expect(r.stderr()).not.toContain(process.env.GATEHOUSE_TEST_POSTGRES_PASSWORD!);
  });

  it('loses nothing and counts nothing twice when a replica is SIGKILLed under load', async () => {
    const pat = (await (await fetch(replicas[0]!.url + PATHS.adminPats, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'ada', team: 'payments' }) })).json() as { pat: string }).pat;
    const auth = { authorization: `Bearer ${pat}`, 'content-type': 'application/json' };
    const devices = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const res = await fetch(replicas[i % 3]!.url + PATHS.enroll, { method: 'POST', headers: auth, body: JSON.stringify({ hostname: `h${i}`, platform: 'linux', gatehouse_version: '0.1.0' }) });
      return EnrollResponseSchema.parse(await res.json()).device_id;
    }));
    const alive = new Set(replicas);
    let acked = 0;
    let duplicates = 0;
    let sent = 0;
    let killed = false;
    // Each device sends 20 batches of 50 in order, to the replica after the last one, retrying elsewhere on no answer.
    await Promise.all(devices.map(async (device, d) => {
      let seq = 0;
      for (let b = 0; b < 20; b++) {
        const records: SyncRecord[] = Array.from({ length: 50 }, () => ({
          record_id: uuidv7(), seq: ++seq, trace_id: `t${seq}`, started_at: Date.now(), duration_ms: 1, api: 'chat.completions', tier: 'prod', status: 200,
          error_code: null, requested_model: 'demo/echo', resolved_model: 'demo/echo', provider: 'demo', user: 'ada', team: 'payments', metadata: {},
          policy_version: null, usage: { tokens_in: 3, tokens_out: 2, tokens_cached: null, tokens_reasoning: null, cost_usd: 0.5 }, verdicts: [],
        }));
        sent += records.length;
        for (let attempt = d + b; ; attempt++) {
          const target = [...alive][attempt % alive.size]!;
          if (!killed && sent >= 3000) {
            killed = true;
            alive.delete(replicas[1]!);
            void killHard(replicas[1]!.child);
          }
          try {
            const res = await fetch(target.url + PATHS.records, { method: 'POST', headers: auth, body: JSON.stringify({ device_id: device, records }) });
            if (res.status !== 200) continue;
            const ack = RecordsAckSchema.parse(await res.json());
            acked += ack.accepted;
            // A batch the killed replica committed but never answered comes back as duplicates.
            duplicates += ack.duplicates;
            break;
          } catch {
            // No answer (the replica died with the batch in flight): the device sends it again elsewhere.
            alive.delete(target);
          }
        }
      }
    }));
    expect(killed).toBe(true);
    const pool = adminPool(url!, db.name);
    try {
      const row = (await pool.query('SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS d, sum(cost_usd)::float8 AS cost FROM records')).rows[0];
      expect(row).toEqual({ n: 8 * 20 * 50, d: 8 * 20 * 50, cost: 8 * 20 * 50 * 0.5 });
      // Every record acknowledged (the devices may delete it), and the ledger holds what the ACKs accepted plus what was committed unanswered.
      expect(acked + duplicates).toBe(8 * 20 * 50);
      expect(acked).toBeLessThanOrEqual(8 * 20 * 50);
      const rollup = (await pool.query(`SELECT sum(requests)::int AS n FROM usage_rollups WHERE dim = 'team' AND tier = ''`)).rows[0];
      expect(rollup.n).toBe(8 * 20 * 50);
      expect((await pool.query('SELECT count(*)::int AS n FROM devices WHERE contiguous_seq = 1000 AND gaps = \'[]\'')).rows[0].n).toBe(8);
    } finally {
      await pool.end();
    }
  }, 120_000);
});
