import { anthropicProvider } from './anthropic/index.js';
import { ConfigError } from '../config/load.js';
import type { Config, ProviderConfigOf, ProviderKind } from '../config/schema.js';
import { azureOpenAIProvider } from './azure-openai/index.js';
import { bedrockProvider } from './bedrock/index.js';
import { demoProvider } from './demo/index.js';
import { geminiProvider } from './gemini/index.js';
import { ollamaProvider } from './ollama/index.js';
import { openaiProvider } from './openai/index.js';
import type { ClientApi, ProviderAdapter, ProviderFactory, ProviderFactoryContext } from './types.js';

/**
 * Every provider kind, by the `kind` of its config entry. Adding one touches its folder, its
 * config schema and this map; the type makes a kind without a factory a compile error.
 */
export const PROVIDER_FACTORIES: { [K in ProviderKind]: ProviderFactory<ProviderConfigOf<K>> } = {
  openai: openaiProvider,
  anthropic: anthropicProvider,
  'azure-openai': azureOpenAIProvider,
  gemini: geminiProvider,
  bedrock: bedrockProvider,
  ollama: ollamaProvider,
};

function createProvider<K extends ProviderKind>(config: ProviderConfigOf<K>, ctx: ProviderFactoryContext): ProviderAdapter {
  // TypeScript cannot correlate the key with the union member; the map's type guarantees it.
  const factory = PROVIDER_FACTORIES[config.kind as K] as ProviderFactory<ProviderConfigOf<K>>;
  const adapter = factory(config, ctx);
  return config.apis ? narrowed(adapter, config.apis) : adapter;
}

/**
 * The adapter declaring only the configured `apis`, so the router translates the others (or
 * refuses them) instead of sending them to a server that lacks them. Done here, once, for
 * every kind. Listing an API the kind does not speak is a config mistake, refused at start.
 */
function narrowed(adapter: ProviderAdapter, apis: readonly ClientApi[]): ProviderAdapter {
  const foreign = apis.filter((a) => !adapter.apis.has(a));
  if (foreign.length > 0) {
    throw new ConfigError(
      `providers "${adapter.id}": apis lists ${foreign.join(', ')}, which kind ${adapter.kind} does not speak; it can only narrow ${[...adapter.apis].join(', ')}.`,
    );
  }
  return { ...adapter, apis: new Set(apis) };
}

/** The configured providers plus the built-in demo, by id. */
export function createProviders(config: Config, ctx: ProviderFactoryContext): Map<string, ProviderAdapter> {
  const providers = new Map<string, ProviderAdapter>([['demo', demoProvider()]]);
  for (const p of config.providers) providers.set(p.id, createProvider(p, ctx));
  return providers;
}
