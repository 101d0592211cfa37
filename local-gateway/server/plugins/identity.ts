import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../core/log.js';
import { createIdentityService, type Identity, type IdentityService } from '../../identity/index.js';
import { forgetSecret, loadSecret } from '../../providers/secrets.js';
import { readEnrollment } from '../../../sync/device/state.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Who calls through this gateway (the PAT's owner, or the OS user). */
    identity: IdentityService;
    /** Reads keychain keys and the PAT's identity again, e.g. after `gatehouse keys set`. */
    reloadSecrets(): Promise<Identity>;
  }
}

/** The identity service; it starts resolving in the background, so a start never waits on the keychain or the network. */
async function identity(app: FastifyInstance): Promise<void> {
  const { config, env, log, paths, keychain } = app.runtime;
  // The config's central gateway wins; else the one this device enrolled with, read afresh as enrollment changes.
  const service = createIdentityService({ central: () => config.central?.url ?? readEnrollment(paths.enrollment)?.central_url ?? null, paths, log, env, keychain });
  const reloadSecrets = async () => {
    for (const p of config.providers) forgetSecret(p.api_key, env);
    await warmKeychainKeys(config, env, log);
    return service.refresh();
  };
  // Neither blocks the start: a headless machine without a keychain still serves (and says why in the log).
  void reloadSecrets().catch((err: unknown) => log.error('could not resolve the identity', { err: (err as Error).message }));
  app.decorate('identity', service);
  app.decorate('reloadSecrets', reloadSecrets);
}

/**
 * Reads the config's `keychain:` keys in the background, so the first request finds them in
 * memory and a missing or locked one shows in the log at start, not only in a failed call.
 */
async function warmKeychainKeys(config: Config, env: NodeJS.ProcessEnv, log: Logger): Promise<void> {
  const keyed = config.providers.filter((p) => p.api_key?.startsWith('keychain:'));
  await Promise.all(
    keyed.map((p) => loadSecret(p.id, p.api_key, env).catch((err: unknown) => log.warn((err as Error).message, { provider: p.id }))),
  );
}

export const identityPlugin = fp(identity, { name: 'gatehouse-identity', dependencies: ['gatehouse-runtime', 'gatehouse-providers'] });
