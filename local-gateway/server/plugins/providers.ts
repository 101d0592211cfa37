import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { registerSecret } from '../../core/redact.js';
import { createProviders } from '../../providers/index.js';
import type { ProviderAdapter } from '../../providers/types.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The configured providers by id (the built-in `demo` always among them). */
    providers: ReadonlyMap<string, ProviderAdapter>;
  }
}

/** The provider adapters of `gatehouse.yaml`; closing the app closes their connection pools. */
async function providers(app: FastifyInstance): Promise<void> {
  const { config, env } = app.runtime;
  const adapters = createProviders(config, { timeouts: config.timeouts, env });
  for (const p of adapters.values()) p.secrets().forEach(registerSecret);
  app.decorate('providers', adapters);
  app.addHook('onClose', async () => {
    await Promise.allSettled([...adapters.values()].map((p) => p.close()));
  });
}

export const providersPlugin = fp(providers, { name: 'gatehouse-providers', dependencies: ['gatehouse-runtime'] });
