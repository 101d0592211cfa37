import { z } from 'zod';
import { TimeoutsSchema } from '../providers/config.js';
import { PROVIDER_CONFIG_SCHEMAS } from '../providers/registry.js';

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
    })
    .refine((l) => l.headers_timeout_ms <= l.request_timeout_ms, { message: 'headers_timeout_ms cannot exceed request_timeout_ms (the headers are part of the request)', path: ['headers_timeout_ms'] })
    .default({ body_mb: 32, headers_timeout_ms: 10_000, request_timeout_ms: 60_000, keep_alive_timeout_ms: 30_000 }),
  timeouts: TimeoutsSchema.default({ connect_ms: 10_000, headers_ms: 600_000, idle_ms: 300_000 }),
  /** Prices per million tokens by `<provider>/<model>`, overriding the bundled price data for budgets. */
  prices: z
    .record(z.string().min(1), z.strictObject({ input_per_mtok: z.number().min(0), output_per_mtok: z.number().min(0) }))
    .default({})
    .describe('USD per million tokens by `<provider>/<model>`, overriding the bundled prices (budgets, `cost_usd`).'),
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
}).superRefine((cfg, ctx) => {
  const seen = new Set<string>();
  cfg.providers.forEach((p, i) => {
    if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `provider id "${p.id}" is used twice` });
    seen.add(p.id);
  });
});
export type Config = z.infer<typeof ConfigSchema>;
