import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

/** The OS app-data directory: where the trace database, token and runtime state live. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Gatehouse');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Gatehouse');
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'gatehouse');
  }
}

/**
 * The command that prints the token of the gateway whose home is `dir`. Every home has its own
 * token, so advice must name the home unless it is the one a bare `gatehouse token` reads.
 */
export function tokenCommand(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (resolve(dir) === resolve(defaultHome(env))) return 'gatehouse token';
  return `gatehouse token --home ${/^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`}`;
}

export interface HomePaths {
  dir: string;
  db: string;
  token: string;
  /** Written while a gateway runs, so `gatehouse status` finds its port. */
  runtime: string;
  /** Held by the one gateway of this home, from before it opens the database until it exits (core/home-lock.ts). */
  lock: string;
  config: string;
  /** Traces written but not yet moved into the database (see store/writer.ts). */
  journal: string;
  /** Names, kinds and set times of the keys in the OS keychain; never a value. */
  keys: string;
  /** The identity the central gateway gave the PAT, for a restart without network. */
  identity: string;
  /** The central gateway this device is enrolled with, its device id and pinned keys; no secret. */
  enrollment: string;
  /** The last org bundle that verified, with its signature, re-verified at every start. */
  orgPolicy: string;
  /** The highest org bundle version ever accepted, per org: never lowered (rollback protection). */
  policyState: string;
}

export function homePaths(dir: string): HomePaths {
  return {
    dir,
    db: join(dir, 'gatehouse.db'),
    token: join(dir, 'token'),
    runtime: join(dir, 'gateway.json'),
    lock: join(dir, 'gateway.lock'),
    config: join(dir, 'gatehouse.yaml'),
    journal: join(dir, 'traces.journal'),
    keys: join(dir, 'keys.json'),
    identity: join(dir, 'identity.json'),
    enrollment: join(dir, 'enrollment.json'),
    orgPolicy: join(dir, 'org-policy.json'),
    policyState: join(dir, 'policy-state.json'),
  };
}

/** Creates the home directory readable by the user only: it holds traces of their prompts. */
export function ensureHome(dir: string): HomePaths {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return homePaths(dir);
}

export interface LocalToken {
  value: string;
  /** Where it came from, for `gatehouse start` to tell the developer. */
  source: 'env' | 'file' | 'keychain';
  file: string | null;
  /** Why it is in a file rather than the OS keychain, when a keychain was tried. */
  keychainProblem?: string;
}

/**
 * The token every local client sends, from `GATEHOUSE_TOKEN` (scripts, tests) or from a
 * file only the user can read, created once. `keychain/token.ts` prefers the OS keychain
 * and comes here only when none is reachable.
 */
export function localToken(paths: HomePaths, env: NodeJS.ProcessEnv = process.env, create = true): LocalToken | null {
  const fromEnv = env.GATEHOUSE_TOKEN?.trim();
  if (fromEnv) return { value: fromEnv, source: 'env', file: null };
  if (existsSync(paths.token)) {
    const value = readFileSync(paths.token, 'utf8').trim();
    if (value) return { value, source: 'file', file: paths.token };
  }
  if (!create) return null;
  const value = `gh_local_${randomBytes(24).toString('base64url')}`;
  writeFileSync(paths.token, `${value}\n`, { mode: 0o600 });
  chmodSync(paths.token, 0o600);
  return { value, source: 'file', file: paths.token };
}

/** Writes a small JSON file only the user can read, atomically, so a crash never leaves half of it. */
export function writePrivateJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export interface RuntimeInfo {
  pid: number;
  port: number;
  url: string;
  started_at: string;
}

export function writeRuntime(paths: HomePaths, info: RuntimeInfo): void {
  writeFileSync(paths.runtime, JSON.stringify(info, null, 2), { mode: 0o600 });
}

export function readRuntime(paths: HomePaths): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(paths.runtime, 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

export function clearRuntime(paths: HomePaths, pid: number): void {
  if (readRuntime(paths)?.pid === pid) rmSync(paths.runtime, { force: true });
}
