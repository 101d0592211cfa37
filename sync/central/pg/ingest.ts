import type { PoolClient } from 'pg';
import type { SyncRecord } from '../../protocol.js';

/**
 * One statement per batch: the records inserted unless known (`ON CONFLICT DO NOTHING`), and
 * only the rows that were new (`RETURNING`) and counted (not served by a central, which counts
 * its own record) summed into the day rollups, in key order so two
 * batches touching the same rollup rows lock them in the same order. Returns how many were new.
 */
const INGEST_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(
    record_id uuid, seq bigint, trace_id text, started_at bigint, "user" text, team text, model text,
    tokens_in bigint, tokens_out bigint, cost_usd double precision, metadata jsonb, blocked text[], body text, counted boolean)
), ins AS (
  INSERT INTO records (record_id, device_id, seq, trace_id, started_at, "user", team, model, tokens_in, tokens_out, cost_usd, metadata, blocked, body, received_at)
  SELECT record_id, $1, seq, trace_id, started_at, "user", team, model, tokens_in, tokens_out, cost_usd, metadata, blocked, body, $3 FROM input
  ON CONFLICT DO NOTHING
  RETURNING record_id, started_at, "user", team, model, tokens_in, tokens_out, cost_usd, metadata, blocked
), dims AS (
  SELECT (to_timestamp(ins.started_at / 1000.0) AT TIME ZONE 'UTC')::date AS day, d.dim, d.key, t.tier,
         ins.tokens_in, ins.tokens_out, ins.cost_usd
  FROM ins JOIN (SELECT DISTINCT ON (record_id) record_id, counted FROM input) AS input USING (record_id)
  CROSS JOIN LATERAL (
    SELECT '*', NULL UNION ALL SELECT 'user', ins."user" UNION ALL SELECT 'team', ins.team UNION ALL SELECT 'model', ins.model
    UNION ALL SELECT 'metadata.' || m.key, m.value FROM jsonb_each_text(ins.metadata) m
  ) AS d(dim, key)
  CROSS JOIN LATERAL (SELECT '' UNION ALL SELECT unnest(ins.blocked)) AS t(tier)
  WHERE input.counted
), rolled AS (
  INSERT INTO usage_rollups AS u (day, dim, key, tier, shard, requests, tokens_in, tokens_out, cost_usd)
  SELECT day, dim, key, tier, $4::smallint, count(*),
         CASE WHEN tier = '' THEN coalesce(sum(tokens_in), 0) ELSE 0 END,
         CASE WHEN tier = '' THEN coalesce(sum(tokens_out), 0) ELSE 0 END,
         CASE WHEN tier = '' THEN coalesce(sum(cost_usd), 0) ELSE 0 END
  FROM dims GROUP BY day, dim, key, tier ORDER BY day, dim, key NULLS FIRST, tier
  ON CONFLICT ON CONSTRAINT usage_rollups_key DO UPDATE SET
    requests = u.requests + excluded.requests, tokens_in = u.tokens_in + excluded.tokens_in,
    tokens_out = u.tokens_out + excluded.tokens_out, cost_usd = u.cost_usd + excluded.cost_usd
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins) AS accepted, (SELECT count(*) FROM rolled) AS rollups`;

/** The columns a record is stored with: what usage groups by, and the record as received. */
function row(rec: SyncRecord) {
  const blocked = [...new Set((rec.verdicts ?? []).filter((v) => v.decision === 'block').map((v) => v.tier))];
  return {
    record_id: rec.record_id, seq: rec.seq, trace_id: rec.trace_id, started_at: rec.started_at, user: rec.user, team: rec.team,
    model: rec.resolved_model ?? rec.requested_model, tokens_in: rec.usage?.tokens_in ?? null, tokens_out: rec.usage?.tokens_out ?? null,
    cost_usd: rec.usage?.cost_usd ?? null, metadata: rec.metadata, blocked, body: JSON.stringify(rec),
    // A request a central served as this device's upstream is in that central's own records.
    counted: rec.served_by_org === undefined,
  };
}

/**
 * How many rows each rollup is split into (migration 2): two devices' batches meet on the same
 * rollup row one time in this many, instead of every time on the day's total.
 */
export const ROLLUP_SHARDS = 16;

/** A device's rollup shard: fixed per device, so one device's batches never spread its locks. */
export function rollupShard(deviceId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) h = Math.imul(h ^ deviceId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % ROLLUP_SHARDS;
}

/** Inserts a batch's records inside the caller's transaction; the number that were new. */
export async function insertRecords(client: PoolClient, deviceId: string, records: readonly SyncRecord[], at: number): Promise<number> {
  if (records.length === 0) return 0;
  const { rows } = await client.query<{ accepted: number }>(INGEST_SQL, [deviceId, JSON.stringify(records.map(row)), at, rollupShard(deviceId)]);
  return rows[0]!.accepted;
}
