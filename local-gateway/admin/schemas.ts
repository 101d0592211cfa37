/**
 * The admin API's contracts, in one place for the dashboard: the renderer imports their
 * types only (`import type`), so zod stays out of its bundle. New schemas live here; the ones
 * other modules own are re-exported.
 */
import { z } from 'zod';
import { TraceSummarySchema } from '../store/schema.js';
import { TierSummarySchema } from '../store/verdicts.js';
import { DeviceSyncStatusSchema } from '../../sync/device/index.js';
import { TelemetryStatusSchema } from '../telemetry/status.js';
import { LimitStoreStatusSchema } from '../limits/types.js';
import { RetentionStatusSchema } from '../store/retention.js';
import { OutboxStatusSchema } from '../../sync/device/contracts.js';
import type { Identity } from '../identity/index.js';

export {
  FiredSchema,
  TracePageSchema,
  TraceQuerySchema,
  TraceSchema,
  TraceSummarySchema,
  type Fired,
  type Trace,
  type TracePage,
  type TraceQuery,
  type TraceSummary,
} from '../store/schema.js';
export { RuleSummarySchema, TierSummarySchema, type RuleSummary, type TierSummary } from '../store/verdicts.js';
export { PolicyViewSchema, type PolicyView } from '../policy/view.js';
export { TierDiffSchema, type TierDiff } from '../policy/diff.js';
export { ReplayReportSchema, type ReplayReport } from '../policy/replay.js';
export { VerdictSchema, type Verdict } from '../policy/schema.js';
export { SyncCycleResultSchema, type SyncCycleResult, type OutboxStatus } from '../../sync/device/contracts.js';
export { DeviceSyncStatusSchema, type DeviceSyncStatus } from '../../sync/device/index.js';

// ---- fleet sync: POST /api/sync, and the `sync` part of GET /api/status ----------------


/** Enrollment, the policy in force, the last sync cycle and the outbox, as `GET /api/status` reports them under `sync`. */
export const SyncStatusSchema = DeviceSyncStatusSchema.extend({
  policy: z.object({ source: z.enum(['builtin', 'file', 'org']), version: z.number().int().nullable() }),
  outbox: OutboxStatusSchema,
});
export type SyncStatus = z.infer<typeof SyncStatusSchema>;

// ---- GET /api/status -------------------------------------------------------------------

/** Who calls through the gateway (see `identity/index.ts`). */
export const IdentitySchema = z.object({
  user: z.string(),
  team: z.string().nullable(),
  org: z.string().nullable(),
  source: z.enum(['pat', 'cache', 'os']),
}) satisfies z.ZodType<Identity>;

/** `GET /api/status`: how the running gateway is doing; `gatehouse status` and the dashboard read it. */
export const GatewayStatusSchema = z.object({
  version: z.string(),
  pid: z.number().int(),
  started_at: z.string(),
  uptime_s: z.number(),
  home: z.string(),
  config_file: z.string().nullable(),
  tier: z.object({ active: z.string(), shadow: z.array(z.string()) }),
  token_source: z.enum(['keychain', 'file', 'env']),
  identity: IdentitySchema,
  sync: SyncStatusSchema,
  providers: z.array(z.object({ id: z.string(), kind: z.string(), apis: z.array(z.string()), models: z.array(z.string()) })),
  store: z.object({ traces: z.number().int(), blobs: z.number().int(), bytes: z.number().int() }),
  /** OTLP export: null unless `telemetry.otlp` is configured. */
  telemetry: TelemetryStatusSchema.nullable(),
  /** What the store keeps (`logging.retention_days`, `storage.max_gb`) and what the last sweep deleted. */
  retention: RetentionStatusSchema,
  /** The shared limit store (`limits.store`) and whether this replica is on its local share; null: limits count in process. */
  limits: LimitStoreStatusSchema.nullable(),
  memory_rss_bytes: z.number(),
});
export type GatewayStatus = z.infer<typeof GatewayStatusSchema>;

/** A tier name as queries take it. */
export const TierParamSchema = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a tier name such as dev or prod');

/** `GET /api/shadow/summary`: what each tier's rules fired on in a window. */
export const ShadowSummarySchema = z.object({
  since: z.string(),
  /** Traces stored in the window, to set the counts against. */
  traces: z.number().int(),
  tiers: z.array(TierSummarySchema),
});

/** `POST /api/policy/replay`: a candidate bundle to replay over stored traces. */
export const ReplayRequestSchema = z.strictObject({
  /** The candidate bundle: YAML or JSON text, or the bundle as a JSON object. */
  policy: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /** How many of the newest traces to replay. */
  last: z.number().int().min(1).max(5000).default(1000),
  /** Tiers of the candidate to evaluate; default: the gateway's active and shadow tiers it has. */
  tiers: z.array(TierParamSchema).min(1).optional(),
  /** List rules that fire as recorded too, not only those that change. */
  all: z.boolean().default(false),
});


// ---- WS /api/events -------------------------------------------------------------------

/** The subprotocol the server answers with; the client offers it beside `bearer.<token>`. */
export const EVENTS_PROTOCOL = 'gatehouse.v1';

export const HelloEventSchema = z.object({ type: z.literal('hello'), version: z.string(), tier: z.string() });
/** One recorded request, in the shape of a `GET /api/traces` item. */
export const TraceEventSchema = z.object({ type: z.literal('trace'), trace: TraceSummarySchema });
/** The policy in force changed, or a change to it was refused (`GET /api/policy` says which). */
export const PolicyEventSchema = z.object({
  type: z.literal('policy'),
  version: z.number().int().nullable(),
  source: z.enum(['builtin', 'file', 'org']),
});
export const ServerEventSchema = z.discriminatedUnion('type', [HelloEventSchema, TraceEventSchema, PolicyEventSchema]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;

// ---- GET /api/usage -------------------------------------------------------------------

export const USAGE_BY = ['none', 'model', 'provider', 'project', 'team', 'user'] as const;
export type UsageBy = (typeof USAGE_BY)[number];
/** `metadata.<key>`: group by any metadata key the agents send, e.g. `metadata.cost_center`. */
export const UsageByMetadataSchema = z
  .string()
  .regex(/^metadata\.[A-Za-z0-9_-]{1,64}$/, 'use none, model, provider, project, team, user or metadata.<key> (letters, digits, _ and -)')
  .transform((s) => s as `metadata.${string}`);

export const UsageQuerySchema = z.object({
  /** ISO 8601 time or Unix milliseconds; default 30 days ago. */
  since: z.string().min(1).optional(),
  /** ISO 8601 time or Unix milliseconds (exclusive); default now. */
  until: z.string().min(1).optional(),
  interval: z.enum(['day', 'hour']).default('day'),
  /** `project` is the metadata key `project`; `team` the caller's team, else the metadata key `team`. */
  by: z.union([z.enum(USAGE_BY), UsageByMetadataSchema]).default('none'),
  format: z.enum(['json', 'csv']).default('json'),
});
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

const UsageCountsSchema = z.object({
  requests: z.number().int(),
  /** Requests answered with a status ≥ 400. */
  errors: z.number().int(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  tokens_cached: z.number().int(),
  /** Sum of the priced traces; traces without a price count 0. */
  cost_usd: z.number(),
});
export type UsageCounts = z.infer<typeof UsageCountsSchema>;

export const UsageBucketSchema = UsageCountsSchema.extend({
  /** UTC: `YYYY-MM-DD` by day, `YYYY-MM-DDTHH:00:00Z` by hour. */
  bucket: z.string(),
  /** The group's value; null when by=none, or for traces that lack it (e.g. no `project` metadata). */
  key: z.string().nullable(),
});
export type UsageBucket = z.infer<typeof UsageBucketSchema>;

export const UsageReportSchema = z.object({
  since: z.string(),
  until: z.string(),
  interval: z.enum(['day', 'hour']),
  by: z.union([z.enum(USAGE_BY), UsageByMetadataSchema]),
  /** Model calls only: a request that named no model to call is counted in `other`. */
  buckets: z.array(UsageBucketSchema),
  totals: UsageCountsSchema,
  /** Traffic that was not a model call, by kind: `GET /v1/models`, `malformed request`. */
  other: z.array(z.object({ kind: z.string(), requests: z.number().int() })).optional(),
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

// ---- GET /api/shadow/timeline ---------------------------------------------------------

export const TimelineQuerySchema = z.object({
  since: z.string().min(1).optional(),
  /** Default: the first shadow tier, else the active tier. */
  tier: TierParamSchema.optional(),
  interval: z.enum(['hour', 'day']).default('hour'),
});

export const TimelinePointSchema = z.object({
  bucket: z.string(),
  rule: z.string(),
  /** Firings in the bucket (block + mutate). */
  count: z.number().int(),
  block: z.number().int(),
  mutate: z.number().int(),
});
export type TimelinePoint = z.infer<typeof TimelinePointSchema>;

export const TimelineSchema = z.object({
  since: z.string(),
  interval: z.enum(['hour', 'day']),
  tier: z.string(),
  /** By bucket, then rule. */
  series: z.array(TimelinePointSchema),
});
export type Timeline = z.infer<typeof TimelineSchema>;

// ---- GET /api/settings ----------------------------------------------------------------

export const SETUP_AGENTS = ['claude-code', 'codex', 'cursor', 'continue'] as const;

export const SettingsSchema = z.object({
  providers: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      /** Null for the built-in demo provider, which calls no server. */
      base_url: z.string().nullable(),
      models: z.array(z.string()),
      /** Where the key is read from and whether it is there; never the value. */
      key: z.object({ ref: z.string().nullable(), present: z.boolean() }),
    }),
  ),
  token: z.object({ source: z.enum(['keychain', 'file', 'env']) }),
  identity: z.object({ user: z.string(), team: z.string().nullable(), org: z.string().nullable().optional(), source: z.string() }),
  enrollment: z.object({ enrolled: z.boolean(), central: z.string().nullable() }),
  /** Enrollment details, the policy in force, the last sync and the outbox (as `GET /api/status` says under `sync`). */
  sync: SyncStatusSchema,
  /** What `gatehouse setup <agent>` prints, with the token shown as `<token>`. */
  setup: z.object({ 'claude-code': z.string(), codex: z.string(), cursor: z.string(), continue: z.string() }),
});
export type Settings = z.infer<typeof SettingsSchema>;

