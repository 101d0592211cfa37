import { z } from 'zod';
import { WhoamiSchema } from '../local-gateway/identity/whoami.js';

/**
 * The sync protocol between a device (the local gateway) and the central gateway: every
 * message either side sends, as one zod schema each. Both sides parse with these schemas and
 * `docs/reference/sync-openapi.json` is generated from them (`npm run docs:openapi`), so the
 * wire format has one description.
 *
 * Device calls carry the PAT as bearer and, once enrolled, the device id in `x-gatehouse-device`.
 * Admin calls carry the admin token (`GATEHOUSE_ADMIN_TOKEN`) as bearer.
 */

export const DEVICE_HEADER = 'x-gatehouse-device';

export const PATHS = {
  whoami: '/v1/fleet/whoami',
  enroll: '/v1/fleet/enroll',
  policy: '/v1/fleet/policy',
  status: '/v1/fleet/status',
  records: '/v1/fleet/records',
  adminPats: '/v1/admin/pats',
  adminPat: '/v1/admin/pats/:id',
  adminPolicies: '/v1/admin/policies',
  adminKeysRotate: '/v1/admin/keys/rotate',
  adminFleet: '/v1/admin/fleet',
  adminRecords: '/v1/admin/records',
  adminUsage: '/v1/admin/usage',
  metrics: '/metrics',
} as const;

/** Every error either side answers: a stable code and one sentence that says what to do. */
export const SyncErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** For a refused policy: each problem with its line and field. */
    problems: z.array(z.object({ line: z.number().int().nullable(), field: z.string(), message: z.string() })).optional(),
  }),
});
export type SyncError = z.infer<typeof SyncErrorSchema>;

const isoTime = z.iso.datetime({ offset: true });
/** Base64 (standard alphabet) of raw bytes. */
const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');
const uuidv7 = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'must be a UUIDv7');

/** An Ed25519 public key the org signs policy bundles with. */
export const SigningKeySchema = z.object({
  /** First 16 hex digits of the sha256 of the raw public key (see signing.ts). */
  key_id: z.string().regex(/^[0-9a-f]{16}$/),
  /** The raw 32-byte Ed25519 public key, base64. */
  public_key: base64,
  /** After this time the key no longer signs (the overlap window of a rotation); null: no end. */
  not_after: isoTime.nullable(),
});
export type SigningKey = z.infer<typeof SigningKeySchema>;

/**
 * A new signing key, endorsed by a key the device already trusts: the signature is over
 * `endorsementPayload(key)` (signing.ts). The device pins it after checking that signature.
 */
export const KeyEndorsementSchema = z.object({
  key: SigningKeySchema,
  endorsed_by: z.string().regex(/^[0-9a-f]{16}$/),
  signature: base64,
});
export type KeyEndorsement = z.infer<typeof KeyEndorsementSchema>;

// ── enrollment ──────────────────────────────────────────────────────────────────────────

export const EnrollRequestSchema = z.object({
  hostname: z.string().min(1).max(255),
  platform: z.string().min(1).max(64),
  gatehouse_version: z.string().min(1).max(64),
});
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

export const EnrollResponseSchema = z.object({
  device_id: z.string().min(1),
  org: z.string().min(1),
  /** Keys the device pins; only bundles signed by one of them (or a key they endorse) apply. */
  signing_keys: z.array(SigningKeySchema).min(1),
  user: z.string().min(1),
  team: z.string().nullable(),
});
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;

// ── policy down ─────────────────────────────────────────────────────────────────────────

/**
 * `GET /v1/fleet/policy` (with `If-None-Match: <etag>` → 304 when unchanged). `bundle` is the
 * exact text that was signed: the device verifies the signature over its UTF-8 bytes before
 * parsing it, then checks version, expiry and the bundle schema.
 */
export const PolicyResponseSchema = z.object({
  bundle: z.string().min(1),
  /** Ed25519 signature of the bundle's UTF-8 bytes, base64. */
  signature: base64,
  key_id: z.string().regex(/^[0-9a-f]{16}$/),
  /** The bundle's `version`, repeated so the fleet view and logs need not parse the bundle. */
  version: z.number().int().min(1),
  /** Signing keys the device does not know yet, each endorsed by one it does (key rotation). */
  endorsements: z.array(KeyEndorsementSchema).default([]),
});
export type PolicyResponse = z.infer<typeof PolicyResponseSchema>;

/** `POST /v1/fleet/status`: the device ACKs the version it applied or NACKs one it refused. */
export const StatusReportSchema = z.union([
  z.object({ device_id: z.string().min(1), applied_version: z.number().int().min(0) }),
  z.object({ device_id: z.string().min(1), rejected_version: z.number().int().min(0).nullable(), error: z.string().min(1).max(2000) }),
]);
export type StatusReport = z.infer<typeof StatusReportSchema>;

// ── records up ──────────────────────────────────────────────────────────────────────────

export const RecordVerdictSchema = z.object({
  tier: z.string(),
  rule: z.string(),
  stage: z.string(),
  decision: z.string(),
  mode: z.string().nullable(),
  enforced: z.boolean(),
});

export const UsageFieldsSchema = z.object({
  tokens_in: z.number().int().nullable(),
  tokens_out: z.number().int().nullable(),
  tokens_cached: z.number().int().nullable(),
  tokens_reasoning: z.number().int().nullable(),
  cost_usd: z.number().nullable(),
});

/**
 * One record per traced request. What it carries beyond the identity fields follows the
 * bundle's `sync.push`: `usage`, `verdicts` (of every tier), `bodies` (redacted as the
 * bundle's `logging` says). Metadata always travels: it is what the org aggregates by.
 */
export const SyncRecordSchema = z.object({
  record_id: uuidv7,
  /** Per device, from 1, gap-free: the central gateway detects a lost record by a missing seq. */
  seq: z.number().int().min(1),
  trace_id: z.string().min(1),
  started_at: z.number().int(),
  duration_ms: z.number(),
  api: z.string(),
  tier: z.string(),
  status: z.number().int(),
  error_code: z.string().nullable(),
  requested_model: z.string().nullable(),
  resolved_model: z.string().nullable(),
  provider: z.string().nullable(),
  user: z.string(),
  team: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  /** The org bundle version in force when the request ran; null for a local or built-in policy. */
  policy_version: z.number().int().nullable(),
  usage: UsageFieldsSchema.optional(),
  verdicts: z.array(RecordVerdictSchema).optional(),
  bodies: z.object({ request: z.unknown(), response: z.unknown() }).optional(),
  /**
   * The org of the central gateway that served this request as the device's upstream (its
   * answer's `x-gatehouse-org`). That central counts the usage from its own record, so the
   * central keeps this one but leaves it out of the usage sums: counted once, not twice.
   */
  served_by_org: z.string().min(1).max(200).optional(),
});
export type SyncRecord = z.infer<typeof SyncRecordSchema>;

/** Seqs the device dropped on purpose (its outbox overflowed): known losses, not gaps. */
export const DroppedRangeSchema = z.object({
  from_seq: z.number().int().min(1),
  to_seq: z.number().int().min(1),
  reason: z.string(),
});

/** `POST /v1/fleet/records`, gzip-encoded (`content-encoding: gzip`). */
export const RecordsBatchSchema = z.object({
  device_id: z.string().min(1),
  records: z.array(SyncRecordSchema).max(5000),
  dropped: z.array(DroppedRangeSchema).default([]),
});
export type RecordsBatch = z.infer<typeof RecordsBatchSchema>;

/** The answer to a batch: 200 means every record in it is stored (or was already). */
export const RecordsAckSchema = z.object({
  accepted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  /** Seq ranges of this device the server has never received and was not told were dropped. */
  gaps: z.array(z.object({ from_seq: z.number().int(), to_seq: z.number().int() })),
});
export type RecordsAck = z.infer<typeof RecordsAckSchema>;

// ── central admin ───────────────────────────────────────────────────────────────────────

export const CreatePatRequestSchema = z.object({
  user: z.string().min(1).max(200),
  team: z.string().min(1).max(200).nullable().default(null),
});
export const CreatePatResponseSchema = z.object({
  /** Shown once: the server keeps only its hash. */
  pat: z.string(),
  pat_id: z.string(),
  user: z.string(),
  team: z.string().nullable(),
});

export const PublishResponseSchema = z.object({
  version: z.number().int().min(1),
  key_id: z.string(),
  expires: isoTime,
});

export const RotateKeyResponseSchema = z.object({
  key_id: z.string(),
  /** Until then the previous key is still accepted. */
  previous_key_id: z.string(),
  previous_not_after: isoTime,
});

export const DeviceStateSchema = z.enum(['SYNCED', 'STALE', 'REJECTED', 'NEVER']);
export const FleetDeviceSchema = z.object({
  device_id: z.string(),
  user: z.string(),
  team: z.string().nullable(),
  hostname: z.string(),
  applied_version: z.number().int().nullable(),
  rejected_version: z.number().int().nullable(),
  last_error: z.string().nullable(),
  last_seen: isoTime.nullable(),
  state: DeviceStateSchema,
  records: z.number().int(),
  gaps: z.array(z.object({ from_seq: z.number().int(), to_seq: z.number().int() })),
});
/**
 * A central replica as a device of its storage: the usage of the requests it served on its
 * own client APIs is ingested under its id (`device` in the records query), from its outbox.
 */
export const FleetReplicaSchema = z.object({
  replica_id: z.string(),
  hostname: z.string(),
  gatehouse_version: z.string(),
  /** When a batch of its records was last ingested; null before the first. */
  last_seen: isoTime.nullable(),
  records: z.number().int(),
  gaps: z.array(z.object({ from_seq: z.number().int(), to_seq: z.number().int() })),
});
export const FleetViewSchema = z.object({
  latest_version: z.number().int().nullable(),
  /** The enrolled devices (laptops, servers running `gatehouse start`). */
  devices: z.array(FleetDeviceSchema),
  /** Every central replica that served requests into this storage. */
  replicas: z.array(FleetReplicaSchema),
  /** The replica that answered, and its own outbox: the records of requests it served, not yet in the storage. */
  answered_by: z.object({
    replica_id: z.string(),
    outbox: z.object({
      depth: z.number().int(),
      /** Start time of the oldest waiting request, ISO; null when none waits. */
      oldest_at: isoTime.nullable(),
      last_sent_at: isoTime.nullable(),
      last_error: z.string().nullable(),
    }),
  }),
});
export type FleetView = z.infer<typeof FleetViewSchema>;

export const RecordsQuerySchema = z.object({
  device: z.string().optional(),
  /** ISO time or Unix ms: records of requests started at or after it. */
  since: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** The `next_cursor` of the previous page. */
  cursor: z.string().optional(),
});
export const StoredRecordSchema = SyncRecordSchema.extend({ device_id: z.string(), received_at: isoTime });
export const RecordsPageSchema = z.object({ records: z.array(StoredRecordSchema), next_cursor: z.string().nullable() });

export const UsageQuerySchema = z.object({
  /** `user`, `team`, `model`, `day`, or `metadata.<key>`. */
  by: z.string().regex(/^(user|team|model|day|metadata\.[A-Za-z0-9_.-]+)$/, 'use user, team, model, day or metadata.<key>'),
  since: z.string().optional(),
  until: z.string().optional(),
});
export const UsageRowSchema = z.object({
  key: z.string().nullable(),
  requests: z.number().int(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  cost_usd: z.number(),
  /** Requests a tier blocked (enforced, or would have in shadow), by tier. */
  blocked: z.record(z.string(), z.number().int()),
});
export const UsageAnswerSchema = z.object({ by: z.string(), rows: z.array(UsageRowSchema) });

export { WhoamiSchema };

/** Every message of the protocol by name, for the OpenAPI generator. */
export const PROTOCOL_SCHEMAS = {
  SyncError: SyncErrorSchema,
  Whoami: WhoamiSchema,
  SigningKey: SigningKeySchema,
  KeyEndorsement: KeyEndorsementSchema,
  EnrollRequest: EnrollRequestSchema,
  EnrollResponse: EnrollResponseSchema,
  PolicyResponse: PolicyResponseSchema,
  StatusReport: StatusReportSchema,
  SyncRecord: SyncRecordSchema,
  RecordsBatch: RecordsBatchSchema,
  RecordsAck: RecordsAckSchema,
  CreatePatRequest: CreatePatRequestSchema,
  CreatePatResponse: CreatePatResponseSchema,
  PublishResponse: PublishResponseSchema,
  RotateKeyResponse: RotateKeyResponseSchema,
  FleetView: FleetViewSchema,
  RecordsPage: RecordsPageSchema,
  UsageAnswer: UsageAnswerSchema,
} as const;
