/**
 * `npm run app`: runs the desktop app from the build, fetching the Electron binary first when
 * it is missing. Only this needs the binary; the gateway (`npm start`) never does.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { downloadElectron, findElectronBinary } from './binary.js';

const MAIN = fileURLToPath(new URL('../dist/electron/main/index.js', import.meta.url));

let found = findElectronBinary();
if ('missing' in found) {
  process.stdout.write(`Fetching the Electron binary (${found.missing})…\n`);
  const got = downloadElectron();
  if (!got.ok) {
    process.stderr.write(
      [
        `The desktop app needs the Electron binary, and it could not be downloaded: ${got.why}`,
        'Where the download is blocked, point ELECTRON_MIRROR at a mirror of the Electron releases, or unpack an',
        'Electron build of the version in node_modules/electron/package.json and set ELECTRON_OVERRIDE_DIST_PATH to',
        'its folder. The gateway itself needs none of it: `npm start` runs it headless, with the dashboard at /ui/.',
        '',
      ].join('\n'),
    );
    process.exit(1);
  }
  found = findElectronBinary();
  if ('missing' in found) {
    process.stderr.write(`The Electron download finished, but ${found.missing}: delete node_modules/electron and run npm ci again.\n`);
    process.exit(1);
  }
}

// Set in the environment, it would make the app's binary run as plain Node instead of the app.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(found.path, [MAIN, ...process.argv.slice(2)], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => child.kill(s));
