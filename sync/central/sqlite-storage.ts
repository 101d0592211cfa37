import type { Statement } from 'better-sqlite3';
import { closeDatabase, openDatabase, type Database } from '../../local-gateway/store/db.js';
import { KeyEndorsementSchema, SyncRecordSchema, type RecordsAck, type StatusReport, type SyncRecord } from '../protocol.js';
import { CENTRAL_MIGRATIONS } from './migrations.js';
import { advanceSeq, rangesOf, type SeqRange } from './seq.js';
import { REPLICA_PAT, REPLICA_PLATFORM, VersionConflict } from './storage.js';
import type {
  CentralStorage, DeviceRow, DroppedRange, FleetRow, KeyRotation, NewDevice, PatRow, PolicyRow, RecordsQuery, ReplicaDevice, SigningKeyRow,
  StoredRecordRow, UsageQuery, UsageRow,
} from './storage.js';

interface PatDb { id: string; sha256: string; user: string; team: string | null; created_at: number; revoked_at: number | null }
interface DeviceDb {
  id: string; pat_id: string; user: string; team: string | null; hostname: string; platform: string; gatehouse_version: string;
  enrolled_at: number; last_seen: number | null; last_report_at: number | null; last_report_rejected: number;
  applied_version: number | null; rejected_version: number | null; last_error: string | null;
  contiguous_seq: number; max_seq: number; gaps: string;
}
interface PolicyDb { version: number; bundle: string; signature: string; key_id: string; published_at: number; expires: string }
interface KeyDb { key_id: string; public_key: string; not_after: string | null; created_at: number; endorsement: string | null }
interface UsageDb { key: string | null; requests: number; tokens_in: number; tokens_out: number; cost_usd: number }

const patOf = (r: PatDb): PatRow => ({ id: r.id, sha256: r.sha256, user: r.user, team: r.team, createdAt: r.created_at, revokedAt: r.revoked_at });
const deviceOf = (r: DeviceDb): DeviceRow => ({
  id: r.id, patId: r.pat_id, user: r.user, team: r.team, hostname: r.hostname, platform: r.platform, gatehouseVersion: r.gatehouse_version,
  enrolledAt: r.enrolled_at, lastSeen: r.last_seen, lastReportAt: r.last_report_at, lastReportRejected: r.last_report_rejected === 1,
  appliedVersion: r.applied_version, rejectedVersion: r.rejected_version, lastError: r.last_error,
  contiguousSeq: r.contiguous_seq, maxSeq: r.max_seq, gaps: JSON.parse(r.gaps) as SeqRange[],
});
const policyOf = (r: PolicyDb): PolicyRow => ({ version: r.version, bundle: r.bundle, signature: r.signature, keyId: r.key_id, publishedAt: r.published_at, expires: r.expires });
const keyOf = (r: KeyDb): SigningKeyRow => ({
  key_id: r.key_id, public_key: r.public_key, not_after: r.not_after, createdAt: r.created_at,
  endorsement: r.endorsement === null ? null : KeyEndorsementSchema.parse(JSON.parse(r.endorsement)),
});

/** SQL for each usage dimension; `metadata.<key>` reads the key through a bound JSON path, never spliced. */
function dimension(by: UsageQuery['by']): { expr: string; params: string[] } {
  switch (by) {
    case 'user': return { expr: 'user', params: [] };
    case 'team': return { expr: 'team', params: [] };
    case 'model': return { expr: 'model', params: [] };
    case 'day': return { expr: "strftime('%Y-%m-%d', started_at / 1000, 'unixepoch')", params: [] };
    default: return { expr: 'json_extract(metadata, ?)', params: [`$."${by.slice('metadata.'.length)}"`] };
  }
}

/**
 * The embedded default: one SQLite file in the central's home, WAL, statements prepared
 * once. better-sqlite3 is synchronous, so each method's work is one transaction that no
 * other request can interleave with.
 */
export class SqliteStorage implements CentralStorage {
  private readonly db: Database;
  private readonly s: Record<string, Statement>;

  constructor(file: string) {
    this.db = openDatabase(file, { migrations: CENTRAL_MIGRATIONS, pageSize: 4096 });
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      createPat: p('INSERT INTO pats (id, sha256, user, team, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)'),
      patByHash: p('SELECT * FROM pats WHERE sha256 = ?'),
      revokePat: p('UPDATE pats SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),
      enroll: p(`INSERT INTO devices (id, pat_id, user, team, hostname, platform, gatehouse_version, enrolled_at)
                 VALUES (@id, @patId, @user, @team, @hostname, @platform, @gatehouseVersion, @enrolledAt)`),
      replicaPat: p('INSERT OR IGNORE INTO pats (id, sha256, user, team, created_at, revoked_at) VALUES (?, ?, ?, NULL, ?, ?)'),
      replica: p(`INSERT INTO devices (id, pat_id, user, team, hostname, platform, gatehouse_version, enrolled_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)
                  ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, gatehouse_version = excluded.gatehouse_version`),
      device: p('SELECT * FROM devices WHERE id = ?'),
      touch: p('UPDATE devices SET last_seen = ? WHERE id = ?'),
      ack: p(`UPDATE devices SET applied_version = ?, last_error = NULL, last_report_at = ?, last_report_rejected = 0, last_seen = ? WHERE id = ?`),
      nack: p(`UPDATE devices SET rejected_version = ?, last_error = ?, last_report_at = ?, last_report_rejected = 1, last_seen = ? WHERE id = ?`),
      latestPolicy: p('SELECT * FROM policies ORDER BY version DESC LIMIT 1'),
      insertPolicy: p('INSERT OR IGNORE INTO policies (version, bundle, signature, key_id, published_at, expires) VALUES (?, ?, ?, ?, ?, ?)'),
      keys: p('SELECT * FROM signing_keys ORDER BY created_at, rowid'),
      addKey: p('INSERT OR IGNORE INTO signing_keys (key_id, public_key, not_after, created_at, endorsement) VALUES (?, ?, ?, ?, ?)'),
      endKey: p('UPDATE signing_keys SET not_after = ? WHERE key_id = ?'),
      insertRecord: p(`INSERT OR IGNORE INTO records (record_id, device_id, seq, trace_id, started_at, user, team, model, tokens_in, tokens_out, cost_usd, metadata, body, received_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertDropped: p('INSERT OR IGNORE INTO dropped_ranges (device_id, from_seq, to_seq, reason) VALUES (?, ?, ?, ?)'),
      setSeq: p('UPDATE devices SET contiguous_seq = ?, max_seq = ?, gaps = ?, last_seen = ? WHERE id = ?'),
      fleet: p('SELECT d.*, (SELECT count(*) FROM records r WHERE r.device_id = d.id) AS records FROM devices d ORDER BY d.enrolled_at, d.id'),
    };
  }

  async createPat(pat: PatRow): Promise<void> {
    this.s.createPat!.run(pat.id, pat.sha256, pat.user, pat.team, pat.createdAt);
  }

  async patByHash(sha256: string): Promise<PatRow | null> {
    const r = this.s.patByHash!.get(sha256) as PatDb | undefined;
    return r ? patOf(r) : null;
  }

  async revokePat(id: string, at: number): Promise<boolean> {
    return this.s.revokePat!.run(at, id).changes > 0;
  }

  async enrollDevice(d: NewDevice): Promise<void> {
    this.s.enroll!.run(d);
  }

  async enrollReplica(r: ReplicaDevice): Promise<void> {
    this.db.transaction(() => {
      this.s.replicaPat!.run(REPLICA_PAT.id, REPLICA_PAT.sha256, REPLICA_PAT.user, r.enrolledAt, r.enrolledAt);
      this.s.replica!.run(r.id, REPLICA_PAT.id, REPLICA_PAT.user, r.hostname, REPLICA_PLATFORM, r.gatehouseVersion, r.enrolledAt);
    }).immediate();
  }

  async device(id: string): Promise<DeviceRow | null> {
    const r = this.s.device!.get(id) as DeviceDb | undefined;
    return r ? deviceOf(r) : null;
  }

  async touchDevice(id: string, at: number): Promise<void> {
    this.s.touch!.run(at, id);
  }

  async reportStatus(id: string, report: StatusReport, at: number): Promise<void> {
    if ('applied_version' in report) this.s.ack!.run(report.applied_version, at, at, id);
    else this.s.nack!.run(report.rejected_version, report.error, at, at, id);
  }

  async latestPolicy(): Promise<PolicyRow | null> {
    const r = this.s.latestPolicy!.get() as PolicyDb | undefined;
    return r ? policyOf(r) : null;
  }

  async insertPolicy(p: PolicyRow): Promise<void> {
    this.insertPolicySync(p);
  }

  private insertPolicySync(p: PolicyRow): void {
    const r = this.s.insertPolicy!.run(p.version, p.bundle, p.signature, p.keyId, p.publishedAt, p.expires);
    if (r.changes === 0) throw new VersionConflict(`policy version ${p.version} is already published`);
  }

  async signingKeys(): Promise<SigningKeyRow[]> {
    return (this.s.keys!.all() as KeyDb[]).map(keyOf);
  }

  async addSigningKey(k: SigningKeyRow): Promise<void> {
    this.s.addKey!.run(k.key_id, k.public_key, k.not_after, k.createdAt, k.endorsement === null ? null : JSON.stringify(k.endorsement));
  }

  async rotateKey(r: KeyRotation): Promise<void> {
    this.db.transaction(() => {
      const k = r.key;
      this.s.addKey!.run(k.key_id, k.public_key, k.not_after, k.createdAt, k.endorsement === null ? null : JSON.stringify(k.endorsement));
      this.s.endKey!.run(r.previousNotAfter, r.previousKeyId);
      if (r.policy) this.insertPolicySync(r.policy);
    }).immediate();
  }

  async ingest(deviceId: string, records: readonly SyncRecord[], dropped: readonly DroppedRange[], at: number): Promise<RecordsAck> {
    return this.db.transaction((): RecordsAck => {
      let accepted = 0;
      for (const rec of records) {
        const r = this.s.insertRecord!.run(
          rec.record_id, deviceId, rec.seq, rec.trace_id, rec.started_at, rec.user, rec.team, rec.resolved_model ?? rec.requested_model,
          rec.usage?.tokens_in ?? null, rec.usage?.tokens_out ?? null, rec.usage?.cost_usd ?? null, JSON.stringify(rec.metadata), JSON.stringify(rec), at,
        );
        accepted += r.changes;
      }
      for (const d of dropped) this.s.insertDropped!.run(deviceId, d.from_seq, d.to_seq, d.reason);
      const row = this.s.device!.get(deviceId) as DeviceDb;
      const before = { contiguous: row.contiguous_seq, max: row.max_seq, gaps: JSON.parse(row.gaps) as SeqRange[] };
      const after = advanceSeq(before, [...rangesOf(records.map((r) => r.seq)), ...dropped]);
      this.s.setSeq!.run(after.contiguous, after.max, JSON.stringify(after.gaps), at, deviceId);
      return { accepted, duplicates: records.length - accepted, gaps: after.gaps };
    }).immediate();
  }

  async fleet(): Promise<FleetRow[]> {
    return (this.s.fleet!.all() as (DeviceDb & { records: number })[]).map((r) => ({ ...deviceOf(r), records: r.records }));
  }

  async records(q: RecordsQuery): Promise<{ records: StoredRecordRow[]; nextCursor: string | null }> {
    const where: string[] = ['rowid > ?'];
    const params: (string | number)[] = [q.cursor === undefined ? 0 : Number(q.cursor)];
    if (q.device !== undefined) {
      where.push('device_id = ?');
      params.push(q.device);
    }
    if (q.since !== undefined) {
      where.push('started_at >= ?');
      params.push(q.since);
    }
    // One row more than asked tells whether there is a next page.
    const rows = this.db
      .prepare(`SELECT rowid AS id, device_id, body, received_at FROM records WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT ?`)
      .all(...params, q.limit + 1) as { id: number; device_id: string; body: string; received_at: number }[];
    const page = rows.slice(0, q.limit);
    return {
      records: page.map((r) => ({ record: SyncRecordSchema.parse(JSON.parse(r.body)), deviceId: r.device_id, receivedAt: r.received_at })),
      nextCursor: rows.length > q.limit ? String(page.at(-1)!.id) : null,
    };
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    const { expr, params } = dimension(q.by);
    // A request a central served as a device's upstream is counted from that central's own record.
    const where: string[] = ["json_extract(body, '$.served_by_org') IS NULL"];
    const bounds: number[] = [];
    if (q.since !== undefined) {
      where.push('started_at >= ?');
      bounds.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('started_at < ?');
      bounds.push(q.until);
    }
    const rows = this.db
      .prepare(`SELECT ${expr} AS key, count(*) AS requests, coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
                coalesce(sum(cost_usd), 0) AS cost_usd FROM records WHERE ${where.join(' AND ')} GROUP BY 1 ORDER BY cost_usd DESC, requests DESC, key`)
      .all(...params, ...bounds) as UsageDb[];
    // A request counts once per tier that blocked it, however many of that tier's rules fired.
    const blocked = this.db
      .prepare(`SELECT key, tier, count(*) AS n FROM (
                  SELECT DISTINCT ${expr} AS key, records.record_id, json_extract(v.value, '$.tier') AS tier
                  FROM records, json_each(records.body, '$.verdicts') v
                  WHERE json_extract(v.value, '$.decision') = 'block' AND ${where.join(' AND ')})
                GROUP BY key, tier`)
      .all(...params, ...bounds) as { key: string | null; tier: string; n: number }[];
    const byKey = new Map<string | null, Record<string, number>>();
    for (const b of blocked) byKey.set(b.key, { ...byKey.get(b.key), [b.tier]: b.n });
    return rows.map((r) => ({ ...r, blocked: byKey.get(r.key) ?? {} }));
  }

  async close(): Promise<void> {
    closeDatabase(this.db);
  }
}
