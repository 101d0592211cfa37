import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const checkout = fileURLToPath(new URL('..', import.meta.url));

/**
 * Writes `.inputs.json` beside the bundle: every file it was made from (the modules Rollup
 * read, this config, the lockfile that pins Vite and its plugins) with its hash, so
 * `scripts/build-ui.mjs` can skip a build that would produce the same files.
 */
function recordInputs(): Plugin {
  return {
    name: 'gatehouse-record-inputs',
    apply: 'build',
    generateBundle() {
      const files = [...this.getModuleIds()].filter((id) => id.startsWith('/') && !id.includes('\0')).map((id) => id.split('?')[0]!);
      files.push(fileURLToPath(import.meta.url), `${checkout}package-lock.json`);
      const inputs = Object.fromEntries(
        [...new Set(files)].sort().map((f) => [relative(checkout, f), createHash('sha256').update(readFileSync(f)).digest('hex')]),
      );
      this.emitFile({ type: 'asset', fileName: '.inputs.json', source: `${JSON.stringify(inputs, null, 1)}\n` });
    },
  };
}

/**
 * The dashboard is served by the gateway at /ui/ (index.html no-cache, hashed assets under
 * /ui/assets/ with a long cache). No inline script or style: the gateway's CSP forbids both.
 */
export default defineConfig({
  root,
  base: '/ui/',
  publicDir: false,
  plugins: [recordInputs()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // Rollup's module preload helper would otherwise inject an inline polyfill-free link; keep it, it is a file.
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
