import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard is served by the gateway at /ui/ (index.html no-cache, hashed assets under
 * /ui/assets/ with a long cache). No inline script or style: the gateway's CSP forbids both.
 */
export default defineConfig({
  root,
  base: '/ui/',
  publicDir: false,
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
