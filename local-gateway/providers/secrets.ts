import { GatehouseError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import { KeychainUnavailableError, keychainAdvice, openKeychain } from '../keychain/index.js';

const ENV = 'env:';
const KEYCHAIN = 'keychain:';

/**
 * Keychain values by service and name. A keychain read is a D-Bus (or XPC) round trip of
 * milliseconds, so each key is read once, at first use, and kept in memory; `forgetSecret`
 * drops it so the next use reads the keychain again (after an upstream 401, or when
 * `gatehouse keys set` tells the gateway).
 */
const cache = new Map<string, string>();
const loading = new Map<string, Promise<string>>();

const cacheKey = (name: string, env: NodeJS.ProcessEnv) => `${env.GATEHOUSE_KEYCHAIN_SERVICE ?? ''}\0${name}`;

function fromEnv(providerId: string, name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new GatehouseError(
      'GH_ERR_PROVIDER_KEY_MISSING',
      `Provider "${providerId}" needs its API key from the environment variable ${name}, which is not set: export it and restart gatehouse.`,
    );
  }
  registerSecret(value);
  return value;
}

function keychainError(providerId: string, name: string, err: unknown): unknown {
  if (err instanceof KeychainUnavailableError) {
    return new GatehouseError('GH_ERR_KEYCHAIN_UNAVAILABLE', keychainAdvice(err, `the key "${name}" of provider "${providerId}"`));
  }
  return err;
}

function found(providerId: string, name: string, env: NodeJS.ProcessEnv, value: string | null): string {
  if (!value) {
    throw new GatehouseError(
      'GH_ERR_PROVIDER_KEY_MISSING',
      `Provider "${providerId}" needs the key "${name}" from the OS keychain, which has no such entry: run \`gatehouse keys set ${name}\` (the key on stdin), then retry.`,
    );
  }
  registerSecret(value);
  cache.set(cacheKey(name, env), value);
  return value;
}

/**
 * Resolves an `env:NAME` or `keychain:NAME` reference. A missing or unreadable key is an
 * error at call time, not at start: the gateway still serves every other provider. This form
 * returns at once, so a keychain key not yet in memory is read blocking the thread (once);
 * adapters that can wait use `loadSecret`.
 */
export function resolveSecret(providerId: string, ref: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (ref === undefined) return null;
  if (ref.startsWith(ENV)) return fromEnv(providerId, ref.slice(ENV.length), env);
  const name = ref.slice(KEYCHAIN.length);
  const hit = cache.get(cacheKey(name, env));
  if (hit) return hit;
  try {
    return found(providerId, name, env, openKeychain(env).getSync(name));
  } catch (err) {
    throw keychainError(providerId, name, err);
  }
}

/** The same as `resolveSecret`, reading the keychain without blocking; concurrent first uses share one read. */
export async function loadSecret(providerId: string, ref: string | undefined, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (ref === undefined) return null;
  if (ref.startsWith(ENV)) return fromEnv(providerId, ref.slice(ENV.length), env);
  const name = ref.slice(KEYCHAIN.length);
  const key = cacheKey(name, env);
  const hit = cache.get(key);
  if (hit) return hit;
  let pending = loading.get(key);
  if (!pending) {
    pending = openKeychain(env)
      .get(name)
      .then((value) => found(providerId, name, env, value))
      .catch((err: unknown) => {
        throw keychainError(providerId, name, err);
      })
      .finally(() => loading.delete(key));
    loading.set(key, pending);
  }
  return pending;
}

/** The value if it is already known (environment, or a keychain key read before); never reads the keychain. */
export function knownSecret(ref: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (ref === undefined) return null;
  if (ref.startsWith(ENV)) return env[ref.slice(ENV.length)] || null;
  return cache.get(cacheKey(ref.slice(KEYCHAIN.length), env)) ?? null;
}

/** Drops a keychain key from memory, so the next use reads it again; an `env:` reference is read from the environment each time anyway. */
export function forgetSecret(ref: string | undefined, env: NodeJS.ProcessEnv): void {
  if (ref?.startsWith(KEYCHAIN)) cache.delete(cacheKey(ref.slice(KEYCHAIN.length), env));
}
