import type { Config } from '../config/schema.js';
import { anthropicProvider } from './anthropic/index.js';
import { demoProvider } from './demo/index.js';
import { openaiProvider } from './openai/index.js';
import type { ProviderAdapter, ProviderFactory, ProviderFactoryContext } from './types.js';

/** Every provider kind, by the `kind` of its config entry. Adding one touches its folder and this map. */
export const PROVIDER_FACTORIES: Record<Config['providers'][number]['kind'], ProviderFactory> = {
  openai: openaiProvider,
  anthropic: anthropicProvider,
};

/** The configured providers plus the built-in demo, by id. */
export function createProviders(config: Config, ctx: ProviderFactoryContext): Map<string, ProviderAdapter> {
  const providers = new Map<string, ProviderAdapter>([['demo', demoProvider()]]);
  for (const p of config.providers) providers.set(p.id, PROVIDER_FACTORIES[p.kind](p, ctx));
  return providers;
}
