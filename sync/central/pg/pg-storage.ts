import type { Pool, PoolClient } from 'pg';
import { KeyEndorsementSchema, SyncRecordSchema, type RecordsAck, type StatusReport, type SyncRecord } from '../../protocol.js';
import { advanceSeq, rangesOf, type SeqRange } from '../seq.js';
import { REPLICA_PAT, REPLICA_PLATFORM, VersionConflict } from '../storage.js';
import type {
  CentralStorage, DeviceRow, DroppedRange, FleetRow, KeyRotation, NewDevice, PatRow, PolicyRow, RecordsQuery, ReplicaDevice, SigningKeyRow,
  StoredRecordRow, UsageQuery, UsageRow,
} from '../storage.js';
import { insertRecords } from './ingest.js';
import { migratePostgres } from './migrations.js';
import { Partitions } from './partitions.js';
import { queryUsage } from './usage.js';

interface PatDb { id: string; sha256: string; user: string; team: string | null; created_at: number; revoked_at: number | null }
interface DeviceDb {
  id: string; pat_id: string; user: string; team: string | null; hostname: string; platform: string; gatehouse_version: string;
  enrolled_at: number; last_seen: number | null; last_report_at: number | null; last_report_rejected: boolean;
  applied_version: number | null; rejected_version: number | null; last_error: string | null;
  contiguous_seq: number; max_seq: number; gaps: SeqRange[]; records: number;
}
interface PolicyDb { version: number; bundle: string; signature: string; key_id: string; published_at: number; expires: string }
interface KeyDb { key_id: string; public_key: string; not_after: string | null; created_at: number; endorsement: unknown }

const patOf = (r: PatDb): PatRow => ({ id: r.id, sha256: r.sha256, user: r.user, team: r.team, createdAt: r.created_at, revokedAt: r.revoked_at });
const deviceOf = (r: DeviceDb): DeviceRow => ({
  id: r.id, patId: r.pat_id, user: r.user, team: r.team, hostname: r.hostname, platform: r.platform, gatehouseVersion: r.gatehouse_version,
  enrolledAt: r.enrolled_at, lastSeen: r.last_seen, lastReportAt: r.last_report_at, lastReportRejected: r.last_report_rejected,
  appliedVersion: r.applied_version, rejectedVersion: r.rejected_version, lastError: r.last_error,
  contiguousSeq: r.contiguous_seq, maxSeq: r.max_seq, gaps: r.gaps,
});
const policyOf = (r: PolicyDb): PolicyRow => ({ version: r.version, bundle: r.bundle, signature: r.signature, keyId: r.key_id, publishedAt: r.published_at, expires: r.expires });
const keyOf = (r: KeyDb): SigningKeyRow => ({
  key_id: r.key_id, public_key: r.public_key, not_after: r.not_after, createdAt: r.created_at,
  endorsement: r.endorsement === null ? null : KeyEndorsementSchema.parse(r.endorsement),
});

/** The channel a publish notifies on, with the new version as payload. */
export const POLICY_CHANNEL = 'gatehouse_policy';
/** Deadlocks and serialization failures are retried: another replica's batch touched the same rows. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * The fleet backend: PostgreSQL as the one source of truth for any number of stateless
 * central replicas. Each method is one transaction; ingest locks the device's row, so two
 * batches of one device (say, a retry racing its original on another replica) apply in turn.
 */
export class PostgresStorage implements CentralStorage {
  private readonly partitions: Partitions;

  private constructor(readonly pool: Pool) {
    this.partitions = new Partitions(pool);
  }

  /** Migrates (under an advisory lock, so replicas may start together) and returns the storage. */
  static async open(pool: Pool): Promise<PostgresStorage> {
    await migratePostgres(pool);
    return new PostgresStorage(pool);
  }

  private async tx<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      // A connection dropped mid-transaction fails the running query; the client's own error event must not crash the process.
      let broken: Error | undefined;
      const onError = (err: Error) => void (broken = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const out = await work(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        if (attempt < 5 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        broken ??= /^(08|57P)/.test((err as { code?: string }).code ?? '') ? (err as Error) : undefined;
        throw err;
      } finally {
        client.off('error', onError);
        // A broken connection is discarded, not handed to the next request.
        client.release(broken);
      }
    }
  }

  async createPat(pat: PatRow): Promise<void> {
    await this.pool.query('INSERT INTO pats (id, sha256, "user", team, created_at) VALUES ($1, $2, $3, $4, $5)', [pat.id, pat.sha256, pat.user, pat.team, pat.createdAt]);
  }

  async patByHash(sha256: string): Promise<PatRow | null> {
    const r = (await this.pool.query<PatDb>('SELECT * FROM pats WHERE sha256 = $1', [sha256])).rows[0];
    return r ? patOf(r) : null;
  }

  async revokePat(id: string, at: number): Promise<boolean> {
    return ((await this.pool.query('UPDATE pats SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2', [at, id])).rowCount ?? 0) > 0;
  }

  async enrollDevice(d: NewDevice): Promise<void> {
    await this.pool.query(
      'INSERT INTO devices (id, pat_id, "user", team, hostname, platform, gatehouse_version, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [d.id, d.patId, d.user, d.team, d.hostname, d.platform, d.gatehouseVersion, d.enrolledAt],
    );
  }

  async enrollReplica(r: ReplicaDevice): Promise<void> {
    await this.tx(async (c) => {
      await c.query('INSERT INTO pats (id, sha256, "user", team, created_at, revoked_at) VALUES ($1, $2, $3, NULL, $4, $4) ON CONFLICT DO NOTHING', [REPLICA_PAT.id, REPLICA_PAT.sha256, REPLICA_PAT.user, r.enrolledAt]);
      await c.query(
        `INSERT INTO devices (id, pat_id, "user", team, hostname, platform, gatehouse_version, enrolled_at) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, gatehouse_version = excluded.gatehouse_version`,
        [r.id, REPLICA_PAT.id, REPLICA_PAT.user, r.hostname, REPLICA_PLATFORM, r.gatehouseVersion, r.enrolledAt],
      );
    });
  }

  async device(id: string): Promise<DeviceRow | null> {
    const r = (await this.pool.query<DeviceDb>('SELECT * FROM devices WHERE id = $1', [id])).rows[0];
    return r ? deviceOf(r) : null;
  }

  async touchDevice(id: string, at: number): Promise<void> {
    await this.pool.query('UPDATE devices SET last_seen = $1 WHERE id = $2', [at, id]);
  }

  async reportStatus(id: string, report: StatusReport, at: number): Promise<void> {
    if ('applied_version' in report) {
      await this.pool.query('UPDATE devices SET applied_version = $1, last_error = NULL, last_report_at = $2, last_report_rejected = false, last_seen = $2 WHERE id = $3', [report.applied_version, at, id]);
    } else {
      await this.pool.query('UPDATE devices SET rejected_version = $1, last_error = $2, last_report_at = $3, last_report_rejected = true, last_seen = $3 WHERE id = $4', [report.rejected_version, report.error, at, id]);
    }
  }

  async latestPolicy(): Promise<PolicyRow | null> {
    const r = (await this.pool.query<PolicyDb>('SELECT * FROM policies ORDER BY version DESC LIMIT 1')).rows[0];
    return r ? policyOf(r) : null;
  }

  async insertPolicy(p: PolicyRow): Promise<void> {
    await this.tx((c) => this.insertPolicyIn(c, p));
  }

  /** The row and its NOTIFY in one transaction: replicas hear of a version only once it is committed. */
  private async insertPolicyIn(c: PoolClient, p: PolicyRow): Promise<void> {
    const r = await c.query('INSERT INTO policies (version, bundle, signature, key_id, published_at, expires) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [p.version, p.bundle, p.signature, p.keyId, p.publishedAt, p.expires]);
    if (r.rowCount === 0) throw new VersionConflict(`policy version ${p.version} is already published`);
    await c.query('SELECT pg_notify($1, $2)', [POLICY_CHANNEL, String(p.version)]);
  }

  async signingKeys(): Promise<SigningKeyRow[]> {
    return (await this.pool.query<KeyDb>('SELECT * FROM signing_keys ORDER BY created_at, ord')).rows.map(keyOf);
  }

  async addSigningKey(k: SigningKeyRow): Promise<void> {
    await this.pool.query('INSERT INTO signing_keys (key_id, public_key, not_after, created_at, endorsement) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [k.key_id, k.public_key, k.not_after, k.createdAt, k.endorsement === null ? null : JSON.stringify(k.endorsement)]);
  }

  async rotateKey(r: KeyRotation): Promise<void> {
    await this.tx(async (c) => {
      const k = r.key;
      await c.query('INSERT INTO signing_keys (key_id, public_key, not_after, created_at, endorsement) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [k.key_id, k.public_key, k.not_after, k.createdAt, k.endorsement === null ? null : JSON.stringify(k.endorsement)]);
      await c.query('UPDATE signing_keys SET not_after = $1 WHERE key_id = $2', [r.previousNotAfter, r.previousKeyId]);
      if (r.policy) await this.insertPolicyIn(c, r.policy);
    });
  }

  async ingest(deviceId: string, records: readonly SyncRecord[], dropped: readonly DroppedRange[], at: number): Promise<RecordsAck> {
    await this.partitions.ensure(records.map((r) => r.started_at));
    return this.tx(async (c): Promise<RecordsAck> => {
      // The device's row first: batches of one device serialise here, and every batch takes its locks in the same order.
      const row = (await c.query<DeviceDb>('SELECT contiguous_seq, max_seq, gaps FROM devices WHERE id = $1 FOR UPDATE', [deviceId])).rows[0]!;
      const accepted = await insertRecords(c, deviceId, records, at);
      if (dropped.length > 0) {
        await c.query(
          `INSERT INTO dropped_ranges (device_id, from_seq, to_seq, reason) SELECT $1, * FROM jsonb_to_recordset($2::jsonb) AS x(from_seq bigint, to_seq bigint, reason text) ON CONFLICT DO NOTHING`,
          [deviceId, JSON.stringify(dropped)],
        );
      }
      const after = advanceSeq({ contiguous: row.contiguous_seq, max: row.max_seq, gaps: row.gaps }, [...rangesOf(records.map((r) => r.seq)), ...dropped]);
      await c.query('UPDATE devices SET contiguous_seq = $1, max_seq = $2, gaps = $3, last_seen = $4, records = records + $5 WHERE id = $6', [after.contiguous, after.max, JSON.stringify(after.gaps), at, accepted, deviceId]);
      return { accepted, duplicates: records.length - accepted, gaps: after.gaps };
    });
  }

  async fleet(): Promise<FleetRow[]> {
    return (await this.pool.query<DeviceDb>('SELECT * FROM devices ORDER BY enrolled_at, id')).rows.map((r) => ({ ...deviceOf(r), records: r.records }));
  }

  async records(q: RecordsQuery): Promise<{ records: StoredRecordRow[]; nextCursor: string | null }> {
    const { rows } = await this.pool.query<{ id: number; device_id: string; body: string; received_at: number }>(
      `SELECT id, device_id, body, received_at FROM records
       WHERE id > $1 AND ($2::text IS NULL OR device_id = $2) AND ($3::bigint IS NULL OR started_at >= $3) ORDER BY id LIMIT $4`,
      [q.cursor === undefined ? 0 : Number(q.cursor), q.device ?? null, q.since ?? null, q.limit + 1],
    );
    const page = rows.slice(0, q.limit);
    return {
      records: page.map((r) => ({ record: SyncRecordSchema.parse(JSON.parse(r.body)), deviceId: r.device_id, receivedAt: r.received_at })),
      nextCursor: rows.length > q.limit ? String(page.at(-1)!.id) : null,
    };
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    return queryUsage(this.pool, q);
  }

  /** Retention: drops the day partitions of records that started before `cutoff`; the rollups stay. */
  async dropRecordsBefore(cutoff: number): Promise<string[]> {
    return this.partitions.dropBefore(cutoff);
  }

  async watchPolicies(onPublish: () => void): Promise<() => Promise<void>> {
    let stopped = false;
    let client: PoolClient | null = null;
    let retry: NodeJS.Timeout | null = null;
    const listen = async (): Promise<void> => {
      try {
        const c = await this.pool.connect();
        if (stopped) return c.release();
        client = c;
        c.on('notification', (n) => n.channel === POLICY_CHANNEL && onPublish());
        // A dropped connection: let the pool discard it and listen again; the poll covers the gap.
        c.on('error', () => {
          c.release(true);
          client = null;
          if (!stopped) retry = setTimeout(() => void listen(), 1_000);
        });
        await c.query(`LISTEN ${POLICY_CHANNEL}`);
        onPublish();
      } catch {
        if (!stopped) retry = setTimeout(() => void listen(), 1_000);
      }
    };
    await listen();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client as PoolClient | null;
      client = null;
      if (c) {
        await c.query(`UNLISTEN ${POLICY_CHANNEL}`).catch(() => {});
        c.release();
      }
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
