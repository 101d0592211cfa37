import { z } from 'zod';
import { CLIENT_APIS } from '../contracts/client-apis.js';
import { httpUrl, SecretRefSchema } from '../core/secret-ref.js';

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

/** What every kind's config has, whatever else its kind adds. */
export type CommonProviderConfig = z.output<z.ZodObject<typeof commonProviderFields>>;

/**
 * A kind's config schema: the common fields, its `kind`, and the fields it adds or
 * overrides (a default `base_url`, a region). Unknown keys are refused, so a typo names its line.
 */
export function providerConfigSchema<K extends string, F extends z.ZodRawShape>(kind: K, fields: F) {
  // The spread of a generic shape types its overridden keys as never; the declared type says what the spread does.
  return z.strictObject({ ...commonProviderFields, kind: z.literal(kind), ...fields } as KindShape<K, F>);
}

type KindShape<K extends string, F extends z.ZodRawShape> = Omit<typeof commonProviderFields, keyof F> & { kind: z.ZodLiteral<K> } & F;

/**
 * `forward_metadata: true` sends the caller's metadata (the `x-gatehouse-metadata` it sent,
 * parsed) upstream as `x-gatehouse-metadata`, and no other header of the caller: for an
 * upstream that is itself a Gatehouse (the org's central gateway), whose prod metadata rules
 * would otherwise refuse every call. Off by default: metadata can name tickets and projects
 * that a third-party provider has no business seeing.
 */
export const ForwardMetadataSchema = z.boolean().optional();

/** How long a provider call may take at each step (`timeouts:` in the config, for every provider). */
export const TimeoutsSchema = z.strictObject({
  /** TCP + TLS connect to the provider. */
  connect_ms: z.number().int().positive().default(10_000).describe('TCP + TLS connect to a provider.'),
  /** Until the provider's response headers; a non-streamed completion sends them only when done. */
  headers_ms: z.number().int().positive().default(600_000).describe("Until a provider's response headers (a non-streamed completion sends them only when done)."),
  /** Longest silence between two body chunks of a provider response. */
  idle_ms: z.number().int().positive().default(300_000).describe('Longest silence inside a response body or stream.'),
});
export type Timeouts = z.output<typeof TimeoutsSchema>;
