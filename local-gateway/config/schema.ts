import { z } from 'zod';

/** Provider kinds this build can talk to; each has a folder under `local-gateway/providers/`. */
export const PROVIDER_KINDS = ['openai', 'anthropic'] as const;

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

export const ProviderConfigSchema = z.strictObject({
  /** Models are addressed as `<id>/<model>`. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'use lower-case letters, digits, ".", "_" and "-"')
    .refine((id) => id !== 'demo', '"demo" is the built-in provider; pick another id'),
  kind: z.enum(PROVIDER_KINDS, { error: (iss) => `unknown provider kind ${JSON.stringify(iss.input)}: this build speaks ${PROVIDER_KINDS.join(', ')}` }),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.openai.com/v1' }),
  api_key: SecretRefSchema.optional(),
  /** Models this provider serves, so a model name without a `<provider>/` prefix can find it. */
  models: z.array(z.string().min(1)).default([]),
  /** Extra headers sent upstream (e.g. `OpenAI-Organization`); never the local token. */
  headers: z.record(z.string(), z.string()).default({}),
});
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

export const TimeoutsSchema = z.strictObject({
  /** TCP + TLS connect to the provider. */
  connect_ms: z.number().int().positive().default(10_000),
  /** Until the provider's response headers; a non-streamed completion sends them only when done. */
  headers_ms: z.number().int().positive().default(600_000),
  /** Longest silence between two body chunks of a provider response. */
  idle_ms: z.number().int().positive().default(300_000),
});

export const ConfigSchema = z.strictObject({
  providers: z.array(ProviderConfigSchema).default([]),
  /** Local policy bundle, used until the device is enrolled. */
  policy: z.string().min(1).optional(),
  tiers: z
    .strictObject({ active: z.string().min(1).default('dev'), shadow: z.array(z.string().min(1)).default([]) })
    .default({ active: 'dev', shadow: [] }),
  limits: z
    .strictObject({
      /** Largest request body accepted; agent contexts are large. */
      body_mb: z.number().positive().max(512).default(32),
    })
    .default({ body_mb: 32 }),
  timeouts: TimeoutsSchema.default({ connect_ms: 10_000, headers_ms: 600_000, idle_ms: 300_000 }),
  /** Absent until the device belongs to an org; the PAT's identity comes from here. */
  central: CentralSchema.optional(),
}).superRefine((cfg, ctx) => {
  const seen = new Set<string>();
  cfg.providers.forEach((p, i) => {
    if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `provider id "${p.id}" is used twice` });
    seen.add(p.id);
  });
});
export type Config = z.infer<typeof ConfigSchema>;
