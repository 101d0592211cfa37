import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Electron binary, without downloading it. `require('electron')` would download it on the
 * spot (electron ≥ 42 fetches it on first use, not at install), so nothing else of the
 * project touches that: `npm ci`, the build and the tests run where it cannot be fetched.
 */
export function electronPackageDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** The binary's path when it is installed (`ELECTRON_OVERRIDE_DIST_PATH` or node_modules/electron/dist), else why not. */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const dir = electronPackageDir();
  if (dir === null) return { missing: 'the electron package is not installed (run npm ci)' };
  const pathFile = join(dir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(env.ELECTRON_OVERRIDE_DIST_PATH, rel ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    return existsSync(p) ? { path: p } : { missing: `ELECTRON_OVERRIDE_DIST_PATH names ${p}, which does not exist` };
  }
  if (rel === null) return { missing: 'the Electron binary has not been downloaded (node_modules/electron/path.txt is absent)' };
  const p = join(dir, 'dist', rel);
  return existsSync(p) ? { path: p } : { missing: `the Electron binary ${p} is missing` };
}

/** Runs electron's own installer (node_modules/electron/install.js): downloads the binary for this platform. */
export function downloadElectron(): { ok: true } | { ok: false; why: string } {
  const dir = electronPackageDir();
  if (dir === null) return { ok: false, why: 'the electron package is not installed (run npm ci)' };
  const r = spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return { ok: true };
  const first = (r.stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? `exit code ${r.status}`;
  return { ok: false, why: first.trim() };
}
