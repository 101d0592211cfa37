import { z } from 'zod';
import { CLIENT_APIS } from '../providers/types.js';

/**
 * A secret is referenced, never written: `keychain:NAME` reads the OS keychain entry NAME
 * (set with `gatehouse keys set NAME`), `env:NAME` the environment. A literal key in a config
 * file would end up in backups and screenshots.
 */
export const SecretRefSchema = z
  .string()
  .regex(
    /^(env:[A-Za-z_][A-Za-z0-9_]*|keychain:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/,
    'must reference a secret as env:NAME or keychain:NAME (a literal key never belongs in a config file)',
  );

/** The organisation's central gateway: policy, sync, and who a PAT belongs to. */
export const CentralSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://gatehouse.example.com' }),
});

const httpUrl = (example: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) URL such as ${example}` });

/** Fields every provider kind has. `base_url` is required unless the kind has a default. */
const commonProviderFields = {
  /** Models are addressed as `<id>/<model>`. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'use lower-case letters, digits, ".", "_" and "-"')
    .refine((id) => id !== 'demo', '"demo" is the built-in provider; pick another id')
    .describe('Models are addressed as `<id>/<model>`; not `demo`.'),
  base_url: httpUrl('https://api.openai.com/v1').describe("The provider's API base URL."),
  api_key: SecretRefSchema.optional().describe('`env:NAME` or `keychain:NAME` (`gatehouse keys set NAME`); never a literal key.'),
  /** Models this provider serves, so a model name without a `<provider>/` prefix can find it. */
  models: z.array(z.string().min(1)).default([]).describe('Models that resolve without the `<id>/` prefix (and the model `gatehouse setup` picks by default).'),
  /** Extra headers sent upstream (e.g. `OpenAI-Organization`); never the local token. */
  headers: z.record(z.string(), z.string()).default({}).describe('Extra headers sent upstream, e.g. `OpenAI-Organization`.'),
  /**
   * Narrows the APIs the provider is called with, for servers that speak less than their
   * kind (an OpenAI-compatible vLLM has no `/responses`): requests in the others are
   * translated to one listed here, or refused. Absent: everything the kind speaks.
   */
  apis: z
    .array(z.enum(CLIENT_APIS, { error: `use the client APIs ${CLIENT_APIS.join(', ')}` }))
    .min(1, 'list at least one API, e.g. [chat.completions], or leave apis out')
    .optional()
    .describe('Narrows the APIs the provider is called with; requests in the others are translated to one listed, or refused.'),
};

/**
 * `forward_metadata: true` sends the caller's metadata (the `x-gatehouse-metadata` it sent,
 * parsed) upstream as `x-gatehouse-metadata`, and no other header of the caller: for an
 * upstream that is itself a Gatehouse (the org's central gateway), whose prod metadata rules
 * would otherwise refuse every call. Off by default: metadata can name tickets and projects
 * that a third-party provider has no business seeing.
 */
const forwardMetadata = z.boolean().optional();

const OpenAIProviderSchema = z.strictObject({ ...commonProviderFields, kind: z.literal('openai'), forward_metadata: forwardMetadata });

/** Anthropic's Messages API; `base_url` with or without its `/v1`. */
const AnthropicProviderSchema = z.strictObject({
  ...commonProviderFields,
  kind: z.literal('anthropic'),
  base_url: httpUrl('https://api.anthropic.com').default('https://api.anthropic.com'),
  forward_metadata: forwardMetadata,
});

/** Azure OpenAI: `base_url` is the resource endpoint, e.g. https://my-resource.openai.azure.com. */
const AzureOpenAIProviderSchema = z.strictObject({
  ...commonProviderFields,
  kind: z.literal('azure-openai'),
  base_url: httpUrl('https://my-resource.openai.azure.com'),
  /** The data-plane API version of the deployment routes. */
  api_version: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'use an Azure API version such as 2024-10-21').default('2024-10-21').describe('The data-plane API version of the deployment routes.'),
  /** Gateway model name → deployment name; a model not listed is used as its own deployment name. */
  deployments: z.record(z.string().min(1), z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a deployment name has letters, digits, ".", "_" and "-"')).default({}).describe('Gateway model name → deployment name; an unlisted model is used as its own deployment name.'),
});

const GeminiProviderSchema = z.strictObject({
  ...commonProviderFields,
  kind: z.literal('gemini'),
  base_url: httpUrl('https://generativelanguage.googleapis.com/v1beta').default('https://generativelanguage.googleapis.com/v1beta'),
});

/** Ollama needs no key; `api_key` is for an Ollama behind an authenticating proxy. */
const OllamaProviderSchema = z.strictObject({
  ...commonProviderFields,
  kind: z.literal('ollama'),
  base_url: httpUrl('http://127.0.0.1:11434/v1').default('http://127.0.0.1:11434/v1'),
});

/**
 * AWS Bedrock: SigV4 with credentials given as references, or a Bedrock API key
 * (`api_key`, sent as a bearer token) instead of them.
 */
const BedrockProviderSchema = z
  .strictObject({
    ...commonProviderFields,
    kind: z.literal('bedrock'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'use an AWS region such as us-east-1').describe('The AWS region, e.g. `us-east-1`.'),
    base_url: httpUrl('https://bedrock-runtime.us-east-1.amazonaws.com').optional(),
    access_key_id: SecretRefSchema.optional().describe('SigV4 credentials, as references; or `api_key` for a Bedrock API key.'),
    secret_access_key: SecretRefSchema.optional(),
    session_token: SecretRefSchema.optional().describe('For temporary credentials.'),
  })
  .superRefine((p, ctx) => {
    if (p.api_key === undefined && (p.access_key_id === undefined || p.secret_access_key === undefined)) {
      ctx.addIssue({ code: 'custom', path: [p.access_key_id === undefined ? 'access_key_id' : 'secret_access_key'], message: 'set access_key_id and secret_access_key (e.g. env:AWS_ACCESS_KEY_ID, env:AWS_SECRET_ACCESS_KEY), or api_key for a Bedrock API key' });
    }
  })
  // The runtime endpoint follows from the region; every kind ends up with a base_url.
  .transform((p) => ({ ...p, base_url: p.base_url ?? `https://bedrock-runtime.${p.region}.amazonaws.com` }));

/** One schema per provider kind; each kind has a folder under `local-gateway/providers/`. */
export const ProviderConfigSchema = z.discriminatedUnion(
  'kind',
  [OpenAIProviderSchema, AnthropicProviderSchema, AzureOpenAIProviderSchema, GeminiProviderSchema, OllamaProviderSchema, BedrockProviderSchema],
  {
    error: (iss) =>
      iss.code === 'invalid_union' && 'options' in iss
        ? (iss.input as { kind?: unknown } | undefined)?.kind === undefined
          ? `is missing: add one of ${(iss.options as unknown[]).join(', ')}`
          : `unknown provider kind ${JSON.stringify((iss.input as { kind?: unknown }).kind)}: this build speaks ${(iss.options as unknown[]).join(', ')}`
        : undefined,
  },
);
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
export type ProviderKind = ProviderConfig['kind'];
/** The config of one kind, e.g. `ProviderConfigOf<'bedrock'>`. */
export type ProviderConfigOf<K extends ProviderKind> = Extract<ProviderConfig, { kind: K }>;

/** Provider kinds this build can talk to, read from the schema so the list cannot drift from it. */
export const PROVIDER_KINDS: readonly ProviderKind[] = ProviderConfigSchema.options.map((o) => ('shape' in o ? o.shape.kind.value : o.in.shape.kind.value));

export const TimeoutsSchema = z.strictObject({
  /** TCP + TLS connect to the provider. */
  connect_ms: z.number().int().positive().default(10_000).describe('TCP + TLS connect to a provider.'),
  /** Until the provider's response headers; a non-streamed completion sends them only when done. */
  headers_ms: z.number().int().positive().default(600_000).describe("Until a provider's response headers (a non-streamed completion sends them only when done)."),
  /** Longest silence between two body chunks of a provider response. */
  idle_ms: z.number().int().positive().default(300_000).describe('Longest silence inside a response body or stream.'),
});

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

/** A value for an upstream MCP server: a secret reference, or (stdio `env` only) a literal that is no secret, such as a path. */
const SECRET_REF = /^(env|keychain):/;

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
  error: () => 'give either command (a stdio server) or url (a Streamable HTTP server), with an id',
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

/** Whether a stdio `env` value is a secret reference to resolve, rather than a literal. */
export function isSecretRef(value: string): boolean {
  return SECRET_REF.test(value);
}

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
