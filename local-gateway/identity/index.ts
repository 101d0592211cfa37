import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { WHOAMI_PATH, WhoamiSchema, type Whoami } from './whoami.js';
import { writePrivateJson, type HomePaths } from '../core/home.js';
import type { Logger } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import { KeychainUnavailableError, keychainAdvice, openKeychain, type Keychain } from '../keychain/index.js';
import { PAT_NAME } from '../keychain/names.js';

/** Who is calling: stamped on every trace, and the `user`/`team` scope of limits and budgets. */
export interface Identity {
  user: string;
  team: string | null;
  org: string | null;
  /** `pat`: the central gateway named the PAT's owner now; `cache`: it did so before (offline restart); `os`: no PAT. */
  source: 'pat' | 'cache' | 'os';
}

export interface IdentityService {
  /** The identity now; never waits (it is read on every request). */
  current(): Identity;
  /** Reads the PAT from the keychain and asks the central gateway who it belongs to. */
  refresh(): Promise<Identity>;
}

/** What `<home>/identity.json` keeps so a restart without network still knows the identity; no secret. */
const CachedIdentitySchema = z.object({
  central: z.string(),
  /** A short hash of the PAT, so a replaced PAT does not inherit the old one's identity. */
  pat_sha256: z.string(),
  whoami: WhoamiSchema,
  resolved_at: z.string(),
});
type CachedIdentity = z.infer<typeof CachedIdentitySchema>;

const WHOAMI_TIMEOUT_MS = 5_000;

export function osIdentity(): Identity {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return { user, team: null, org: null, source: 'os' };
}

const fingerprint = (pat: string) => createHash('sha256').update(pat).digest('hex').slice(0, 16);

function readCache(paths: HomePaths, central: string): CachedIdentity | null {
  try {
    const parsed = CachedIdentitySchema.safeParse(JSON.parse(readFileSync(paths.identity, 'utf8')));
    return parsed.success && parsed.data.central === central ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The central gateway answered that the PAT is unknown or revoked (401/403). */
export class WhoamiRefused extends Error {}

/** Asks the central gateway who a PAT belongs to. */
export async function whoami(central: string, pat: string): Promise<Whoami> {
  const res = await fetch(`${central.replace(/\/+$/, '')}${WHOAMI_PATH}`, {
    headers: { authorization: `Bearer ${pat}`, accept: 'application/json' },
    signal: AbortSignal.timeout(WHOAMI_TIMEOUT_MS),
  });
  if (res.status === 401 || res.status === 403) throw new WhoamiRefused(`the central gateway refused the PAT (${res.status})`);
  if (!res.ok) throw new Error(`${WHOAMI_PATH} answered ${res.status}`);
  const parsed = WhoamiSchema.safeParse(await res.json());
  if (!parsed.success) throw new Error(`${WHOAMI_PATH} answered an unexpected body: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export interface IdentityOptions {
  /**
   * The central gateway's URL: the config's, else the enrolled one (a function, since
   * enrolling and unenrolling change it while the gateway runs); without one the OS user is the identity.
   */
  central: string | null | (() => string | null);
  paths: HomePaths;
  log: Logger;
  keychain?: Keychain;
  env?: NodeJS.ProcessEnv;
}

/**
 * The PAT's owner as the central gateway names them, or the OS user when there is no PAT.
 * It starts from the cached answer (so an offline restart keeps the identity) and is
 * refreshed in the background: the keychain and the network stay off the request path.
 */
export function createIdentityService(opts: IdentityOptions): IdentityService {
  const { paths, log } = opts;
  const centralNow = () => (typeof opts.central === 'function' ? opts.central() : opts.central);
  const keychain = opts.keychain ?? openKeychain(opts.env);
  const atStart = centralNow();
  const cached = atStart ? readCache(paths, atStart) : null;
  let identity: Identity = cached ? { ...cached.whoami, source: 'cache' } : osIdentity();

  const fromPat = (w: Whoami, source: Identity['source']): Identity => ({ user: w.user, team: w.team, org: w.org, source });

  async function resolve(): Promise<Identity> {
    const central = centralNow();
    if (!central) return osIdentity();
    let pat: string | null;
    try {
      // A headless machine (CI, a server) has the PAT in the environment and no keychain.
      pat = opts.env?.GATEHOUSE_PAT?.trim() || (await keychain.get(PAT_NAME));
    } catch (err) {
      if (!(err instanceof KeychainUnavailableError)) throw err;
      log.warn(keychainAdvice(err, 'the PAT', 'read', false), { identity: identity.user });
      return identity;
    }
    if (!pat) {
      rmSync(paths.identity, { force: true });
      return osIdentity();
    }
    registerSecret(pat);
    const print = fingerprint(pat);
    try {
      const w = await whoami(central, pat);
      writePrivateJson(paths.identity, { central, pat_sha256: print, whoami: w, resolved_at: new Date().toISOString() } satisfies CachedIdentity);
      return fromPat(w, 'pat');
    } catch (err) {
      if (err instanceof WhoamiRefused) {
        log.warn(`${err.message}: set a valid one with \`gatehouse keys set pat\`; until then the OS user is the identity`);
        rmSync(paths.identity, { force: true });
        return osIdentity();
      }
      // Offline or the central gateway is down: the last answer for this PAT still holds.
      const last = readCache(paths, central);
      log.warn('could not ask the central gateway who the PAT belongs to', { err: (err as Error).message, using: last ? 'cached identity' : 'OS user' });
      return last && last.pat_sha256 === print ? fromPat(last.whoami, 'cache') : osIdentity();
    }
  }

  // Refreshes may overlap (the one at start, one after `keys set pat`): the latest started wins.
  let generation = 0;
  return {
    current: () => identity,
    async refresh() {
      const mine = ++generation;
      const resolved = await resolve();
      if (mine === generation) identity = resolved;
      return resolved;
    },
  };
}
