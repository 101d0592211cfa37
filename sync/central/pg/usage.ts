import type { Pool } from 'pg';
import type { UsageQuery, UsageRow } from '../storage.js';
import { dayStart } from './partitions.js';

interface Sum { key: string | null; tier: string; requests: number; tokens_in: number; tokens_out: number; cost_usd: number }

/** Rows sorted as the SQLite backend sorts them: cost, then requests descending, then key (NULL first, bytewise). */
function finish(sums: readonly Sum[]): UsageRow[] {
  const rows = new Map<string | null, UsageRow>();
  for (const s of sums) if (s.tier === '') rows.set(s.key, { key: s.key, requests: s.requests, tokens_in: s.tokens_in, tokens_out: s.tokens_out, cost_usd: s.cost_usd, blocked: {} });
  for (const s of sums) if (s.tier !== '' && s.requests > 0) rows.get(s.key)!.blocked[s.tier] = s.requests;
  const byKey = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return [...rows.values()].filter((r) => r.requests > 0).sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests || byKey(a.key, b.key));
}

const dayAligned = (t: number | undefined) => t === undefined || dayStart(t) === t;

/**
 * Usage by a dimension. Whole-day bounds (or none) read the day rollups, which ingest keeps
 * for the new rows only; other bounds sum the records themselves (partition-pruned by time).
 */
export async function queryUsage(pool: Pool, q: UsageQuery): Promise<UsageRow[]> {
  return dayAligned(q.since) && dayAligned(q.until) ? fromRollups(pool, q) : fromRecords(pool, q);
}

async function fromRollups(pool: Pool, q: UsageQuery): Promise<UsageRow[]> {
  const since = q.since === undefined ? null : new Date(q.since).toISOString().slice(0, 10);
  const until = q.until === undefined ? null : new Date(q.until).toISOString().slice(0, 10);
  const bounds = `($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day < $3::date)`;
  const sums = `sum(requests) AS requests, sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out, sum(cost_usd) AS cost_usd`;
  if (q.by === 'day') {
    const { rows } = await pool.query<Sum>(`SELECT to_char(day, 'YYYY-MM-DD') AS key, tier, ${sums} FROM usage_rollups WHERE dim = '*' AND ${bounds} AND $1::text IS NOT NULL GROUP BY day, tier`, [q.by, since, until]);
    return finish(rows);
  }
  if (!q.by.startsWith('metadata.')) {
    const { rows } = await pool.query<Sum>(`SELECT key, tier, ${sums} FROM usage_rollups WHERE dim = $1 AND ${bounds} GROUP BY key, tier`, [q.by, since, until]);
    return finish(rows);
  }
  // Records without the key are in no metadata.<key> row: they are the total (*) less those that have it.
  const { rows } = await pool.query<Sum>(
    `WITH k AS (SELECT key, tier, ${sums} FROM usage_rollups WHERE dim = $1 AND ${bounds} GROUP BY key, tier),
          t AS (SELECT tier, ${sums} FROM usage_rollups WHERE dim = '*' AND ${bounds} GROUP BY tier)
     SELECT key, tier, requests, tokens_in, tokens_out, cost_usd FROM k
     UNION ALL
     SELECT NULL, t.tier, t.requests - coalesce(sum(k.requests), 0), t.tokens_in - coalesce(sum(k.tokens_in), 0),
            t.tokens_out - coalesce(sum(k.tokens_out), 0), t.cost_usd - coalesce(sum(k.cost_usd), 0)
     FROM t LEFT JOIN k ON k.tier = t.tier GROUP BY t.tier, t.requests, t.tokens_in, t.tokens_out, t.cost_usd`,
    [q.by, since, until],
  );
  return finish(rows.map((r) => (r.key === null ? { ...r, cost_usd: Math.abs(r.cost_usd) < 1e-9 ? 0 : r.cost_usd } : r)));
}

async function fromRecords(pool: Pool, q: UsageQuery): Promise<UsageRow[]> {
  const columns: Record<string, string> = { user: '"user"', team: 'team', model: 'model' };
  const expr = q.by === 'day' ? `to_char(to_timestamp(started_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
    : q.by.startsWith('metadata.') ? 'metadata ->> $1::text' : columns[q.by]!;
  const { rows } = await pool.query<Sum>(
    `SELECT ${expr} AS key, t.tier, count(*) AS requests, coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
            coalesce(sum(cost_usd), 0) AS cost_usd
     FROM records CROSS JOIN LATERAL (SELECT '' UNION ALL SELECT unnest(blocked)) AS t(tier)
     WHERE ($2::bigint IS NULL OR started_at >= $2) AND ($3::bigint IS NULL OR started_at < $3) AND $1::text IS NOT NULL
       AND (body::jsonb ->> 'served_by_org') IS NULL
     GROUP BY 1, 2`,
    [q.by.slice('metadata.'.length), q.since ?? null, q.until ?? null],
  );
  return finish(rows);
}
