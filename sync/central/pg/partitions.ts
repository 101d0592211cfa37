import type { Pool } from 'pg';

const DAY_MS = 86_400_000;
/** Serialises partition DDL between replicas (CREATE … IF NOT EXISTS alone races on the catalogue). */
const PARTITION_LOCK = 4_141_022;

export const dayStart = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
const partitionName = (day: number): string => `records_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;

/**
 * The day partitions of `records`: created on demand before a batch that needs them (once per
 * day per replica, remembered), dropped whole by retention.
 */
export class Partitions {
  private readonly known = new Set<number>();

  constructor(private readonly pool: Pool) {}

  /** Makes sure a partition exists for each UTC day any of `times` falls on. */
  async ensure(times: Iterable<number>): Promise<void> {
    const missing = [...new Set([...times].map(dayStart))].filter((d) => !this.known.has(d));
    if (missing.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const day of missing.sort((a, b) => a - b)) {
        // Names and bounds are computed from integers here, never from input text.
        await client.query(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF records FOR VALUES FROM (${day}) TO (${day + DAY_MS})`);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    for (const d of missing) this.known.add(d);
  }

  /** Drops every partition whose day ended at or before `cutoff` (Unix ms); their names. */
  async dropBefore(cutoff: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'records' AND c.relname ~ '^records_[0-9]{8}$' ORDER BY 1`,
    );
    const dropped: string[] = [];
    for (const { name } of rows) {
      const d = name.slice('records_'.length);
      const day = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)));
      if (day + DAY_MS > cutoff) continue;
      await this.pool.query(`DROP TABLE IF EXISTS ${name}`);
      this.known.delete(day);
      dropped.push(name);
    }
    return dropped;
  }
}
