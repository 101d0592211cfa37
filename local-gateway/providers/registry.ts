import type { z } from 'zod';
import { anthropic } from './anthropic/index.js';
import { azureOpenAI } from './azure-openai/index.js';
import { bedrock } from './bedrock/index.js';
import { gemini } from './gemini/index.js';
import { ollama } from './ollama/index.js';
import { openai } from './openai/index.js';
import type { ProviderAdapter, ProviderFactoryContext } from './types.js';

/**
 * Every provider kind a config can name, each defined by its own folder (kind, config
 * schema, factory). Adding a kind is its folder and a line here: `config/schema.ts` builds the
 * `providers:` union from this list and `createProviders` finds the factory in it. The
 * built-in `demo` provider has no config entry, so it is not listed.
 */
export const PROVIDERS = [openai, anthropic, azureOpenAI, gemini, ollama, bedrock] as const;

/** The kinds' config schemas as a tuple, in the list's order: what a discriminated union takes. */
type SchemasOf<T extends readonly { configSchema: unknown }[]> = { -readonly [I in keyof T]: T[I]['configSchema'] };
type ConfigSchemas = SchemasOf<typeof PROVIDERS>;

/** Each kind's config schema, for `config/schema.ts` to join into the `providers:` union. */
export const PROVIDER_CONFIG_SCHEMAS = PROVIDERS.map((p) => p.configSchema) as ConfigSchemas;

/** One `providers:` entry, of any kind. */
export type ProviderConfig = z.output<ConfigSchemas[number]>;
export type ProviderKind = ProviderConfig['kind'];
/** The config of one kind, e.g. `ProviderConfigOf<'bedrock'>`. */
export type ProviderConfigOf<K extends ProviderKind> = Extract<ProviderConfig, { kind: K }>;

/** The adapter for one config entry, built by its kind's factory. */
export function createAdapter(config: ProviderConfig, ctx: ProviderFactoryContext): ProviderAdapter {
  const definition = PROVIDERS.find((p) => p.kind === config.kind)!;
  // TypeScript cannot correlate the entry found with the union member; matching on `kind` guarantees it.
  return (definition.create as (c: ProviderConfig, x: ProviderFactoryContext) => ProviderAdapter)(config, ctx);
}
