import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';

const dist = (dir: string) => fileURLToPath(new URL(`../dist/${dir}`, import.meta.url));
const src = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * The desktop app's main process and preload. The window shows the dashboard the gateway
 * serves at /ui/, so its build stays renderer/vite.config.ts's (minified, hashed under
 * /ui/assets/, checked by the dashboard tests): one build for the browser and the app. Needs
 * the `electron` package's version, never its binary, so it runs where the binary is missing.
 */
export default defineConfig({
  main: {
    build: {
      outDir: dist('electron/main'),
      emptyOutDir: true,
      sourcemap: true,
      rollupOptions: { input: { index: src('main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: dist('electron/preload'),
      emptyOutDir: true,
      // A sandboxed preload is loaded as CommonJS, whatever the package's "type".
      rollupOptions: { input: { index: src('preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
});
