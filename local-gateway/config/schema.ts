import { z } from 'zod';
import { httpUrl, isSecretRef, SecretRefSchema } from '../core/secret-ref.js';
import { TimeoutsSchema } from '../providers/config.js';
import { PROVIDER_CONFIG_SCHEMAS } from '../providers/registry.js';
import { LimitStoreSchema } from '../limits/config.js';

/** The organisation's central gateway: policy, sync, and who a PAT belongs to. */
export const CentralSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://gatehouse.example.com' }),
});

/** One schema per provider kind, each from its folder under `local-gateway/providers/` (listed in `providers/registry.ts`). */
export const ProviderConfigSchema = z.discriminatedUnion(
  'kind',
  PROVIDER_CONFIG_SCHEMAS,
  {
    error: (iss) =>
      iss.code === 'invalid_union' && 'options' in iss
        ? (iss.input as { kind?: unknown } | undefined)?.kind === undefined
          ? `is missing: add one of ${(iss.options as unknown[]).join(', ')}`
          : `unknown provider kind ${JSON.stringify((iss.input as { kind?: unknown }).kind)}: this build speaks ${(iss.options as unknown[]).join(', ')}`
        : undefined,
  },
);
/**
 * The sync records outbox's disk budget (`sync.outbox`): records wait on disk while the
 * central gateway is out of reach; past `max_records` the overflow policy drops one (the
 * oldest waiting, or the new one), counts it, and tells the central gateway which seqs it
 * dropped, so they show as known losses rather than gaps.
 */
export const OutboxBudgetSchema = z.strictObject({
  /** At most this many records wait on disk (about 1 KiB each without bodies). */
  max_records: z.number().int().positive().default(200_000).describe('Records waiting on disk at most (about 1 KiB each without bodies).'),
  overflow: z.enum(['drop_oldest', 'drop_newest']).default('drop_oldest').describe('Which record goes past the budget; drops are counted and reported to the central gateway.'),
});
export type OutboxBudget = z.infer<typeof OutboxBudgetSchema>;

/**
 * OTLP export of every trace (`telemetry.otlp`), off unless present. Header values are secret
 * references like provider keys: a collector's API key never sits in the file.
 */
export const OtlpSchema = z.strictObject({
  endpoint: httpUrl('http://127.0.0.1:4318').describe('The collector\'s OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318` (`/v1/traces` is appended unless the URL already ends with it).'),
  protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf').describe('The OTLP/HTTP encoding.'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), SecretRefSchema).default({}).describe('Headers sent with every export, values as `env:NAME` or `keychain:NAME`, e.g. `{ x-honeycomb-team: keychain:honeycomb }`.'),
  compression: z.enum(['none', 'gzip']).default('none').describe('`gzip` makes each export about 12 times smaller and costs the export thread about a quarter more CPU (bench/README.md); every OTLP/HTTP collector accepts both. Set here only: `OTEL_EXPORTER_OTLP_COMPRESSION` in the environment does not change it.'),
  stages: z
    .enum(['spans', 'attributes'])
    .default('spans')
    .describe("`spans`: a child span per pipeline stage. `attributes`: the stages' durations as `gatehouse.stage.<stage>.ms` attributes of the request span instead: one span per request, a twelfth of the spans for a collector that bills per span, for about the same export CPU (stage spans are encoded from templates, bench/README.md); verdict events keep the time their stage ended."),
  bodies: z.enum(['none', 'redacted', 'full']).default('none').describe("Whether spans carry the request and response bodies; never more than the policy's `logging.bodies` allows."),
  max_queue: z.number().int().positive().max(1_000_000).default(2048).describe('Traces waiting to be exported at most; past it new ones are dropped and counted (`gatehouse status`).'),
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000).describe('How long one export, retries included, may take (ms).'),
  max_request_bytes: z
    .number()
    .int()
    .min(65_536)
    .max(64 * 2 ** 20)
    .default(3 * 2 ** 20)
    .describe("Largest export request, in bytes before compression: a batch larger than this (with `bodies`) goes as several requests, whole traces in each. Collectors refuse requests past their own limit (4 MiB is gRPC's default; HTTP receivers often take a few MiB)."),
});
export type OtlpConfig = z.infer<typeof OtlpSchema>;

/**
 * One upstream MCP server the gateway fronts at `/mcp`: a local process spoken to over stdio,
 * or a Streamable HTTP endpoint. Its tools are exposed as `<id>_<tool>`. Credentials come from
 * references here, never from the IDE's request, so an agent cannot smuggle its own.
 */
const mcpServerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,23}$/, 'use up to 24 lower-case letters, digits and "-" (tools are exposed as <id>_<tool>)');
const mcpCommon = {
  id: mcpServerId.describe('Tools are exposed as `<id>_<tool>`.'),
  timeout_ms: z.number().int().positive().max(3_600_000).optional().describe('How long a tool call may take before it fails with a JSON-RPC error (default `mcp.timeout_ms`).'),
  prefix: z
    .boolean()
    .default(true)
    .describe('`false` exposes its tools under their own names instead of `<id>_<tool>` (for clients that know them by those); a name another tool also takes is cut and given a hash.'),
  protocol: z
    .enum(['auto', '2025-11-25', '2026-07-28'])
    .default('auto')
    .describe('The MCP revision spoken to it: `auto` asks it (`server/discover`) and speaks 2026-07-28 if it can, else 2025-11-25 (`initialize`); a revision pins it (no probe, no fallback).'),
};
export const McpStdioServerSchema = z.strictObject({
  ...mcpCommon,
  command: z.array(z.string().min(1)).min(1, 'give the program and its arguments, e.g. [node, ./files-server.js]').describe('The program and its arguments, e.g. `[node, ./files-server.js]`; started on first use, restarted after a crash.'),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string())
    .default({})
    .describe('Extra environment; a value `env:NAME` or `keychain:NAME` is read from there, anything else is passed as written.'),
  cwd: z.string().min(1).optional().describe('Working directory (relative to this file).'),
});
export const McpHttpServerSchema = z.strictObject({
  ...mcpCommon,
  url: httpUrl('https://mcp.example.com/mcp').describe('The Streamable HTTP endpoint.'),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), SecretRefSchema)
    .default({})
    .describe('Headers sent upstream, each a reference (`keychain:NAME`, `env:NAME`): credentials never come from the IDE.'),
});
export const McpServerSchema = z.union([McpStdioServerSchema, McpHttpServerSchema], {
  // A server that has its command (or url) and fails on another field is told which field: the union alone names none.
  error: (iss) => {
    const input = iss.input as Record<string, unknown> | undefined;
    const kind = input && typeof input === 'object' ? ('command' in input ? 0 : 'url' in input ? 1 : -1) : -1;
    const first = iss.code === 'invalid_union' && kind >= 0 ? iss.errors[kind]?.[0] : undefined;
    if (!first) return 'give either command (a stdio server) or url (a Streamable HTTP server), with an id';
    return `${first.path.join('.')}: ${first.message}`;
  },
});
export type McpServerConfig = z.infer<typeof McpServerSchema>;
export type McpStdioServerConfig = z.infer<typeof McpStdioServerSchema>;

/** `mcp:` — the upstream MCP servers fronted at `/mcp`. */
export const McpConfigSchema = z.strictObject({
  servers: z.array(McpServerSchema).default([]).describe('Upstream MCP servers; their tools are exposed at `/mcp` as `<id>_<tool>`.'),
  timeout_ms: z.number().int().positive().max(3_600_000).default(60_000).describe('How long a tool call may take (ms) unless its server says otherwise.'),
  max_result_mb: z.number().positive().max(256).default(16).describe('Largest tool result (MB) passed on; a larger one fails with a JSON-RPC error.'),
});
export type McpConfig = z.infer<typeof McpConfigSchema>;


export const ConfigSchema = z.strictObject({
  providers: z.array(ProviderConfigSchema).default([]).describe('The upstream providers; the built-in `demo` provider is always there.'),
  /** Local policy bundle, used until the device is enrolled. */
  policy: z.string().min(1).optional().describe('The local policy bundle (relative to this file), watched; used until the device is enrolled.'),
  tiers: z
    .strictObject({
      active: z.string().min(1).default('dev').describe('The tier enforced.'),
      shadow: z.array(z.string().min(1)).default([]).describe('Tiers evaluated on every request without changing it.'),
    })
    .default({ active: 'dev', shadow: [] }),
  limits: z
    .strictObject({
      /** Largest request body accepted; agent contexts are large. */
      body_mb: z.number().positive().max(512).default(32).describe('Largest request body in MB; larger gets 413.'),
      /**
       * How long a client may take to send its request headers, from the request's first byte.
       * A slow or stalled client (slowloris) is cut with a 408 after this.
       */
      headers_timeout_ms: z.number().int().positive().default(10_000).describe('How long a client may take to send its request headers (ms); a stalled one gets 408.'),
      /**
       * How long a client may take to send its whole request, headers and body; a body that
       * trickles is cut with a 408 in the API's error shape. Only receipt counts: the answer,
       * a stream of many minutes included, is bounded by `timeouts`, never by this.
       */
      request_timeout_ms: z.number().int().positive().default(60_000).describe('How long a client may take to send its whole request (ms); never cuts a streamed answer.'),
      /** How long an idle keep-alive connection stays open between requests. */
      keep_alive_timeout_ms: z.number().int().positive().default(30_000).describe('How long an idle keep-alive connection stays open between requests (ms).'),
      store: LimitStoreSchema.optional().describe("Where the enforced tier's rate limits and budgets are counted: absent, in process; a Redis server shared by several gateways, so replicas never multiply a limit."),
    })
    .refine((l) => l.headers_timeout_ms <= l.request_timeout_ms, { message: 'headers_timeout_ms cannot exceed request_timeout_ms (the headers are part of the request)', path: ['headers_timeout_ms'] })
    .default({ body_mb: 32, headers_timeout_ms: 10_000, request_timeout_ms: 60_000, keep_alive_timeout_ms: 30_000 }),
  timeouts: TimeoutsSchema.default({ connect_ms: 10_000, headers_ms: 600_000, idle_ms: 300_000 }),
  /** Prices per million tokens by `<provider>/<model>`, overriding the bundled price data for budgets. */
  prices: z
    .record(z.string().min(1), z.strictObject({ input_per_mtok: z.number().min(0), output_per_mtok: z.number().min(0) }))
    .default({})
    .describe('USD per million tokens by `<provider>/<model>`, overriding the bundled prices (budgets, `cost_usd`).'),
  mcp: McpConfigSchema.default({ servers: [], timeout_ms: 60_000, max_result_mb: 16 }).describe('Upstream MCP servers fronted at `/mcp`.'),
  /** Absent until the device belongs to an org; the PAT's identity comes from here. */
  central: CentralSchema.optional().describe("The org's central gateway; the PAT's identity comes from it."),
  /** Fleet sync on the device: `sync: { outbox: { max_records: 200000, overflow: drop_oldest }, send_timeout_ms: 30000 }`. */
  sync: z
    .strictObject({
      outbox: OutboxBudgetSchema.default({ max_records: 200_000, overflow: 'drop_oldest' }).describe("The records outbox's disk budget, once enrolled."),
      /**
       * How long a records batch waits for the central gateway's answer; past it the batch
       * counts as unanswered and is retried (the central dedupes a batch it did store). Raise it
       * on a slow link where 1,000 records take longer than 30 s to upload.
       */
      send_timeout_ms: z
        .number()
        .int()
        .min(100)
        .max(600_000)
        .default(30_000)
        .describe("How long a records batch waits for the central gateway's answer before it is retried (ms)."),
    })
    .optional(),
  storage: z
    .strictObject({
      max_gb: z.number().positive().optional().describe('Most the trace store may use on disk (GB, e.g. 2.5); past it the oldest traces are deleted. Absent: only `logging.retention_days` bounds it.'),
      sweep_minutes: z.number().int().min(1).max(1440).default(10).describe('How often retention runs (minutes).'),
    })
    .default({ sweep_minutes: 10 })
    .describe("The trace store's disk budget; traces older than the policy's `logging.retention_days` are deleted as well."),
  telemetry: z.strictObject({ otlp: OtlpSchema.optional().describe('OTLP/HTTP export of every trace as GenAI spans.') }).optional().describe('Where traces go beyond the local store; off unless present.'),
}).superRefine((cfg, ctx) => {
  const seen = new Set<string>();
  cfg.providers.forEach((p, i) => {
    if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `provider id "${p.id}" is used twice` });
    seen.add(p.id);
  });
  const servers = new Set<string>();
  cfg.mcp.servers.forEach((s, i) => {
    if (servers.has(s.id)) ctx.addIssue({ code: 'custom', path: ['mcp', 'servers', i, 'id'], message: `MCP server id "${s.id}" is used twice` });
    servers.add(s.id);
    if ('env' in s) {
      for (const [k, v] of Object.entries(s.env)) {
        if (isSecretRef(v) && !SecretRefSchema.safeParse(v).success) ctx.addIssue({ code: 'custom', path: ['mcp', 'servers', i, 'env', k], message: 'a reference must be env:NAME or keychain:NAME' });
      }
    }
  });
});
export type Config = z.infer<typeof ConfigSchema>;
