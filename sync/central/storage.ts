import type { RecordsAck, SigningKey, KeyEndorsement, StatusReport, SyncRecord } from '../protocol.js';
import type { SeqRange } from './seq.js';

/**
 * What the central gateway keeps, behind one narrow interface: the embedded SQLite default
 * (sqlite-storage.ts) and a PostgreSQL backend (to follow) implement it. Every method is
 * async so a networked database fits; each is one unit of work (one transaction) on its own,
 * so a backend never needs a transaction spanning calls. No secret is ever passed in: PATs
 * arrive as their sha256, signing keys as their public half.
 */
export interface CentralStorage {
  createPat(pat: PatRow): Promise<void>;
  /** The PAT with this sha256 (hex), revoked or not; null when unknown. */
  patByHash(sha256: string): Promise<PatRow | null>;
  /** Marks the PAT revoked; false when there is no such PAT. */
  revokePat(id: string, at: number): Promise<boolean>;

  enrollDevice(device: NewDevice): Promise<void>;
  /**
   * Makes a central replica a device of this storage, idempotently (every start): the usage of
   * the requests it serves is ingested under its id as a device's is. Its row belongs to
   * `REPLICA_PAT`, a PAT row that authenticates no one.
   */
  enrollReplica(replica: ReplicaDevice): Promise<void>;
  device(id: string): Promise<DeviceRow | null>;
  /** Records that the device polled (the fleet view's last seen). */
  touchDevice(id: string, at: number): Promise<void>;
  /** An ACK sets the applied version and clears the error; a NACK records the rejected version and error. */
  reportStatus(id: string, report: StatusReport, at: number): Promise<void>;

  latestPolicy(): Promise<PolicyRow | null>;
  /** Stores a signed bundle; throws VersionConflict when the version is already taken. */
  insertPolicy(policy: PolicyRow): Promise<void>;

  /** Every signing key's public record, oldest first. */
  signingKeys(): Promise<SigningKeyRow[]>;
  /** Adds a key if its id is new (the first key at first start); a no-op otherwise. */
  addSigningKey(key: SigningKeyRow): Promise<void>;
  /** A rotation in one unit: the new key (with its endorsement), the old key's end, and the re-signed bundle. */
  rotateKey(rotation: KeyRotation): Promise<void>;

  /**
   * Ingests a batch in one transaction: each record inserted unless its record_id is known
   * (a duplicate), the dropped ranges noted, the device's seq tracking advanced.
   */
  ingest(deviceId: string, records: readonly SyncRecord[], dropped: readonly DroppedRange[], at: number): Promise<RecordsAck>;

  /** Every device with its record count, for the fleet view. */
  fleet(): Promise<FleetRow[]>;
  records(query: RecordsQuery): Promise<{ records: StoredRecordRow[]; nextCursor: string | null }>;
  usage(query: UsageQuery): Promise<UsageRow[]>;

  /** Retention, where the backend keeps records by day: drops those of days ended by `cutoff` (Unix ms); what it dropped. */
  dropRecordsBefore?(cutoff: number): Promise<string[]>;

  /**
   * Shared backends only: calls `onPublish` when any replica publishes a version, until the
   * returned stop is called. Best effort (a lost connection misses notifications): the
   * central polls `latestPolicy` beside it.
   */
  watchPolicies?(onPublish: () => void): Promise<() => Promise<void>>;

  close(): Promise<void>;
}

/** Thrown by `insertPolicy` when another publish took the version first. */
export class VersionConflict extends Error {}

export interface PatRow {
  id: string;
  /** sha256 of the PAT, hex: the PAT itself is shown once and never stored. */
  sha256: string;
  user: string;
  team: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface NewDevice {
  id: string;
  patId: string;
  user: string;
  team: string | null;
  hostname: string;
  platform: string;
  gatehouseVersion: string;
  enrolledAt: number;
}

/** A central replica as a device: its id is kept in its home (sync/central/own-records.ts). */
export interface ReplicaDevice {
  id: string;
  hostname: string;
  gatehouseVersion: string;
  enrolledAt: number;
}

/** The platform a replica's device row names, so the fleet view tells replicas from laptops. */
export const REPLICA_PLATFORM = 'gatehouse-central';

/**
 * The owner row replicas' device rows reference (devices need a PAT): revoked at creation,
 * and its `sha256` is not hex, so no bearer ever hashes to it; its id has no `pat_` prefix,
 * so no issued PAT shares it.
 */
export const REPLICA_PAT = { id: 'central-replicas', sha256: 'none: central replicas authenticate in process', user: 'gatehouse-central' } as const;

export interface DeviceRow extends NewDevice {
  lastSeen: number | null;
  /** When the device last sent a status report (ACK or NACK); null: never. */
  lastReportAt: number | null;
  /** Whether that last report was a NACK. */
  lastReportRejected: boolean;
  appliedVersion: number | null;
  rejectedVersion: number | null;
  lastError: string | null;
  contiguousSeq: number;
  maxSeq: number;
  gaps: SeqRange[];
}

export interface FleetRow extends DeviceRow {
  records: number;
}

export interface PolicyRow {
  version: number;
  /** The exact text that was signed and is served. */
  bundle: string;
  signature: string;
  keyId: string;
  publishedAt: number;
  /** ISO time. */
  expires: string;
}

export interface SigningKeyRow extends SigningKey {
  createdAt: number;
  /** How this key was endorsed by the one before it; null for the first key. */
  endorsement: KeyEndorsement | null;
}

export interface KeyRotation {
  key: SigningKeyRow;
  previousKeyId: string;
  previousNotAfter: string;
  /** The latest bundle re-signed by the new key; null when nothing was published yet. */
  policy: PolicyRow | null;
}

export type DroppedRange = SeqRange & { reason: string };

export interface RecordsQuery {
  device?: string;
  /** Unix ms: records of requests started at or after it. */
  since?: number;
  cursor?: string;
  limit: number;
}

export interface StoredRecordRow {
  record: SyncRecord;
  deviceId: string;
  receivedAt: number;
}

export type UsageDimension = 'user' | 'team' | 'model' | 'day' | `metadata.${string}`;

export interface UsageQuery {
  by: UsageDimension;
  since?: number;
  until?: number;
}

export interface UsageRow {
  key: string | null;
  requests: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  blocked: Record<string, number>;
}
