// `npm run build`'s desktop-app step: bundles electron/main and electron/preload with
// electron-vite, only when a source they are built from is newer than the last bundle (they
// bundle electron/, local-gateway/ and sync/ code), so `npm start` does not pay for it when
// nothing changed. `--force` (and `npm run build:app`) always build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outputs = ['dist/electron/main/index.js', 'dist/electron/preload/index.cjs'].map((f) => join(root, f));
const sources = ['electron', 'local-gateway', 'sync', 'package.json'].map((f) => join(root, f));

/** Newest modification time under a path, in ms. */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

const built = outputs.every((f) => existsSync(f)) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
if (process.argv.includes('--force') || Math.max(...sources.map(newest)) > built) {
  const cli = join(root, 'node_modules/electron-vite/bin/electron-vite.js');
  execFileSync(process.execPath, [cli, 'build', '--config', join(root, 'electron/electron.vite.config.ts'), '--logLevel', process.argv.includes('--quiet') ? 'error' : 'info'], { stdio: 'inherit', cwd: root });
}
