import type { ClientApi } from '../contracts/client-apis.js';
import { ConfigError } from '../core/config-error.js';
import { demoProvider } from './demo/index.js';
import { createAdapter, type ProviderConfig } from './registry.js';
import type { ProviderAdapter, ProviderFactoryContext } from './types.js';

function createProvider(config: ProviderConfig, ctx: ProviderFactoryContext): ProviderAdapter {
  const adapter = createAdapter(config, ctx);
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
export function createProviders(config: { readonly providers: readonly ProviderConfig[] }, ctx: ProviderFactoryContext): Map<string, ProviderAdapter> {
  const providers = new Map<string, ProviderAdapter>([['demo', demoProvider()]]);
  for (const p of config.providers) providers.set(p.id, createProvider(p, ctx));
  return providers;
}
