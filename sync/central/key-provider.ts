import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Keychain } from '../../local-gateway/keychain/index.js';
import { KeychainUnavailableError, keychainAdvice } from '../../local-gateway/keychain/index.js';
import { generateSigningKey, signingKeyFromSeed, type SigningKeyPair } from '../signing.js';
import { CentralError } from './errors.js';

/** The keychain entry holding the current signing key's seed. */
export const SIGNING_KEY_ENTRY = 'central-signing-key';
export const SIGNING_KEY_ENV = 'GATEHOUSE_SIGNING_KEY';
export const SIGNING_KEY_FILE_ENV = 'GATEHOUSE_SIGNING_KEY_FILE';

/** A fatal start-up problem with the signing key, said in one sentence. */
export class SigningKeyError extends Error {}

/**
 * Where the central's private signing seed lives: the one place that reads and writes it.
 * The environment, a file (a mounted secret shared by replicas) and the OS keychain are
 * here; a KMS is another implementation of the same two calls.
 */
export interface KeyProvider {
  readonly source: 'env' | 'file' | 'keychain';
  /** The current key; a provider that can store one makes it at first start. */
  load(): Promise<SigningKeyPair>;
  /** Stores the key a rotation made; throws a coded CentralError when this provider cannot. */
  store(next: SigningKeyPair): Promise<void>;
}

function seedPair(seed: string, what: string): SigningKeyPair {
  try {
    return signingKeyFromSeed(seed.trim());
  } catch {
    throw new SigningKeyError(`${what} is not a base64 32-byte Ed25519 seed: generate one with \`openssl rand -base64 32\`.`);
  }
}

/** `GATEHOUSE_SIGNING_KEY`: the same seed given to every replica; this process cannot change it. */
export function envKeyProvider(seed: string): KeyProvider {
  return {
    source: 'env',
    load: async () => seedPair(seed, SIGNING_KEY_ENV),
    store: async () => {
      throw new CentralError(
        'GH_ERR_KEY_FROM_ENV',
        `The signing key comes from ${SIGNING_KEY_ENV}, so it cannot be rotated here: unset ${SIGNING_KEY_ENV} to keep keys in the OS keychain (entry ${SIGNING_KEY_ENTRY}) or a file (${SIGNING_KEY_FILE_ENV}), or restart with a new seed in ${SIGNING_KEY_ENV} and re-enroll the devices.`,
      );
    },
  };
}

/**
 * A file holding the base64 seed (mode 0600), e.g. a secret mounted on every replica; made
 * at first start when absent. A rotation replaces it atomically (write, then rename); a
 * read-only mount refuses the rotation, saying so.
 */
export function fileKeyProvider(file: string): KeyProvider {
  const write = (seed: string) => {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${seed}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  };
  return {
    source: 'file',
    async load() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SigningKeyError(`Cannot read the signing key file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}): check its path and permissions.`);
        const pair = generateSigningKey();
        try {
          write(pair.seed);
        } catch (e) {
          throw new SigningKeyError(`Cannot create the signing key file ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)}): check that its directory is writable, or put a seed there (\`openssl rand -base64 32\`).`);
        }
        return pair;
      }
      return seedPair(text, `The signing key file ${file}`);
    },
    async store(next) {
      try {
        write(next.seed);
      } catch (err) {
        throw new CentralError('GH_ERR_KEY_NOT_STORED', `The new signing key could not be written to ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}): make the file writable by the central, or rotate by replacing its seed on every replica and restarting them.`);
      }
    },
  };
}

/** The OS keychain entry `central-signing-key` (the default); made at first start. */
export function keychainKeyProvider(keychain: Keychain): KeyProvider {
  return {
    source: 'keychain',
    async load() {
      try {
        const stored = await keychain.get(SIGNING_KEY_ENTRY);
        if (stored) return seedPair(stored, `The keychain entry ${SIGNING_KEY_ENTRY}`);
        const pair = generateSigningKey();
        await keychain.set(SIGNING_KEY_ENTRY, pair.seed);
        return pair;
      } catch (err) {
        if (err instanceof KeychainUnavailableError) {
          throw new SigningKeyError(`${keychainAdvice(err, 'the signing key', 'read', false).replace(/\.$/, '')}, or set ${SIGNING_KEY_ENV} to a base64 32-byte seed (\`openssl rand -base64 32\`) or ${SIGNING_KEY_FILE_ENV} to a file holding one.`);
        }
        throw err;
      }
    },
    async store(next) {
      try {
        await keychain.set(SIGNING_KEY_ENTRY, next.seed);
      } catch (err) {
        if (err instanceof KeychainUnavailableError) throw new SigningKeyError(keychainAdvice(err, 'the new signing key', 'stored', false));
        throw err;
      }
    },
  };
}

/** The provider the environment asks for: `GATEHOUSE_SIGNING_KEY`, else `GATEHOUSE_SIGNING_KEY_FILE`, else the OS keychain. */
export function keyProviderFrom(env: NodeJS.ProcessEnv, keychain: Keychain): KeyProvider {
  const seed = env[SIGNING_KEY_ENV]?.trim();
  if (seed) return envKeyProvider(seed);
  const file = env[SIGNING_KEY_FILE_ENV]?.trim();
  if (file) return fileKeyProvider(file);
  return keychainKeyProvider(keychain);
}
