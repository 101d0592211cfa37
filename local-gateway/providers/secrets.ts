import { GatehouseError } from '../core/errors.js';

/**
 * Resolves an `env:NAME` reference. A missing variable is an error at call time, not at
 * start: the gateway still serves every other provider.
 */
export function resolveSecret(providerId: string, ref: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (ref === undefined) return null;
  const name = ref.slice('env:'.length);
  const value = env[name];
  if (value === undefined || value === '') {
    throw new GatehouseError(
      'GH_ERR_PROVIDER_KEY_MISSING',
      `Provider "${providerId}" needs its API key from the environment variable ${name}, which is not set: export it and restart gatehouse.`,
    );
  }
  return value;
}
