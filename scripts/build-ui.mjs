// `npm run build`'s dashboard step: runs Vite only when a file the last bundle was made from
// changed. Vite itself takes about a second even with nothing to do; this check reads the list
// the last build wrote (renderer/vite.config.ts records every module it bundled) and hashes
// those files, in a few tens of milliseconds. `--force` (and `npm run build:ui`) always build.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = fileURLToPath(new URL('../renderer/vite.config.ts', import.meta.url));
const record = fileURLToPath(new URL('../dist/ui/.inputs.json', import.meta.url));

/** Whether every recorded input still has the hash it had when the bundle in dist/ui was built. */
function upToDate() {
  if (!existsSync(record)) return false;
  const inputs = JSON.parse(readFileSync(record, 'utf8'));
  return Object.entries(inputs).every(([file, hash]) => {
    try {
      return createHash('sha256').update(readFileSync(resolve(root, file))).digest('hex') === hash;
    } catch {
      // A recorded input that is gone: its importer changed too, but rebuild in any case.
      return false;
    }
  });
}

if (process.argv.includes('--force') || !upToDate()) {
  const { build } = await import('vite');
  await build({ configFile: config, logLevel: process.argv.includes('--quiet') ? 'warn' : 'info' });
}
