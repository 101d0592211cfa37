import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { localToken, type HomePaths, type LocalToken } from '../core/home.js';
import { KeychainUnavailableError, openKeychain, type Keychain } from './index.js';

/**
 * The keychain entry of a home's local token. Each home runs its own gateway, so each has
 * its own token; the suffix tells them apart without putting a path in the keychain.
 */
export function tokenEntryName(home: string): string {
  return `local-token.${createHash('sha256').update(resolve(home)).digest('hex').slice(0, 12)}`;
}

function fileValue(paths: HomePaths): string | null {
  if (!existsSync(paths.token)) return null;
  return readFileSync(paths.token, 'utf8').trim() || null;
}

/**
 * The local client token: `GATEHOUSE_TOKEN` if set, else the OS keychain where one is
 * reachable, else a 0600 file under the home (CI, a headless server). A token a headless run
 * left in the file moves into the keychain once one is reachable, keeping its value so the
 * clients configured with it keep working. With `create` false, nothing is created or moved.
 */
export async function resolveLocalToken(
  paths: HomePaths,
  env: NodeJS.ProcessEnv = process.env,
  create = true,
  keychain: Keychain = openKeychain(env),
): Promise<LocalToken | null> {
  const fromEnv = env.GATEHOUSE_TOKEN?.trim();
  if (fromEnv) return { value: fromEnv, source: 'env', file: null };
  const name = tokenEntryName(paths.dir);
  try {
    const stored = await keychain.get(name);
    if (stored) {
      if (create) rmSync(paths.token, { force: true });
      return { value: stored, source: 'keychain', file: null };
    }
    const inFile = fileValue(paths);
    if (!create) return inFile ? { value: inFile, source: 'file', file: paths.token } : null;
    const value = inFile ?? `gh_local_${randomBytes(24).toString('base64url')}`;
    await keychain.set(name, value);
    // The key index (and zod with it) loads only here, when a token is first stored: `gatehouse
    // token` and the gateway's start read the token on every run and should not pay for it.
    const { recordKey } = await import('./names.js');
    recordKey(paths.keys, name, 'token');
    rmSync(paths.token, { force: true });
    return { value, source: 'keychain', file: null };
  } catch (err) {
    if (!(err instanceof KeychainUnavailableError)) throw err;
    const token = localToken(paths, env, create);
    return token && { ...token, keychainProblem: err.message };
  }
}
