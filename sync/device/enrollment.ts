import { hostname, platform } from 'node:os';
import type { HomePaths } from '../../local-gateway/core/home.js';
import { VERSION } from '../../local-gateway/core/version.js';
import { KeychainUnavailableError, type Keychain } from '../../local-gateway/keychain/index.js';
import { forgetKey, PAT_NAME, recordKey } from '../../local-gateway/keychain/names.js';
import { registerSecret } from '../../local-gateway/core/redact.js';
import { enrollDevice } from './client.js';
import type { CentralLink } from './contracts.js';
import { forgetOrgPolicy } from './org-policy.js';
import { readEnrollment, removeState, writeState, type Enrollment } from './state.js';

/**
 * Enrollment: the device introduces itself to the central gateway with the developer's PAT,
 * pins the org's signing keys and keeps its device id in `<home>/enrollment.json`. The PAT
 * goes to the OS keychain (entry `pat`), or stays in `GATEHOUSE_PAT` on a headless machine;
 * it is never written to a file.
 */

/** The environment variable that carries the PAT where no keychain is (CI, servers). */
export const PAT_ENV = 'GATEHOUSE_PAT';

/** The PAT of an enrolled device: `GATEHOUSE_PAT` when set, else the keychain entry. */
export async function readPat(keychain: Keychain, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env[PAT_ENV]?.trim();
  if (fromEnv) {
    registerSecret(fromEnv);
    return fromEnv;
  }
  const pat = await keychain.get(PAT_NAME);
  if (!pat) throw new Error(`No PAT in the keychain: enroll again with \`gatehouse enroll --central URL\` (the PAT on stdin) or set ${PAT_ENV}.`);
  registerSecret(pat);
  return pat;
}

export function centralLink(enrollment: Enrollment, keychain: Keychain, env: NodeJS.ProcessEnv): CentralLink {
  return { url: enrollment.central_url, deviceId: enrollment.device_id, pat: () => readPat(keychain, env) };
}

export interface EnrollOptions {
  paths: HomePaths;
  centralUrl: string;
  pat: string;
  /** `env`: the PAT came from GATEHOUSE_PAT and is not stored anywhere. */
  patSource: 'keychain' | 'env';
  keychain: Keychain;
  now?: () => number;
}

export async function enroll(opts: EnrollOptions): Promise<Enrollment> {
  const { paths, pat, keychain } = opts;
  registerSecret(pat);
  const centralUrl = new URL(opts.centralUrl).toString().replace(/\/+$/, '');
  // A PAT that cannot be stored would leave a device at the central that never reports: check first.
  if (opts.patSource === 'keychain') {
    const probe = await keychain.probe();
    if (!probe.ok) throw new KeychainUnavailableError(probe.reason ?? 'unreachable', probe.detail ?? 'the keychain did not answer');
  }
  const answer = await enrollDevice(centralUrl, pat, { hostname: hostname() || 'unknown', platform: platform(), gatehouse_version: VERSION });
  // Stored only once the central gateway accepted it, so a mistyped PAT never replaces a good one.
  if (opts.patSource === 'keychain') {
    await keychain.set(PAT_NAME, pat);
    recordKey(paths.keys, PAT_NAME, 'pat');
  }
  const previous = readEnrollment(paths.enrollment);
  // Another org's (or central's) bundle must not stay in force under this enrollment.
  if (previous && (previous.org !== answer.org || previous.central_url !== centralUrl)) forgetOrgPolicy(paths);
  const enrollment: Enrollment = {
    central_url: centralUrl,
    device_id: answer.device_id,
    org: answer.org,
    user: answer.user,
    team: answer.team,
    signing_keys: answer.signing_keys,
    enrolled_at: new Date((opts.now ?? Date.now)()).toISOString(),
    pat_source: opts.patSource,
  };
  writeState(paths.enrollment, enrollment);
  return enrollment;
}

export interface UnenrollResult {
  /** The enrollment that was removed; null when the device was not enrolled. */
  was: Enrollment | null;
  /** Whether the keychain PAT was deleted; null when the keychain could not be reached. */
  patRemoved: boolean | null;
}

/**
 * Forgets the enrollment, the org's cached bundle and the PAT; the local `policy:` file (or
 * the built-in tier) is in force again. The highest accepted version per org is kept.
 */
export async function unenroll(paths: HomePaths, keychain: Keychain): Promise<UnenrollResult> {
  const was = readEnrollment(paths.enrollment);
  removeState(paths.enrollment);
  forgetOrgPolicy(paths);
  removeState(paths.identity);
  let patRemoved: boolean | null;
  try {
    patRemoved = await keychain.delete(PAT_NAME);
  } catch (err) {
    if (!(err instanceof KeychainUnavailableError)) throw err;
    patRemoved = null;
  }
  forgetKey(paths.keys, PAT_NAME);
  return { was, patRemoved };
}
