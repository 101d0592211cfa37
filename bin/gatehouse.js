#!/usr/bin/env node
// The CLI runs from the compiled output; `npm ci` builds it through the `prepare` script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/local-gateway/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('gatehouse is not built yet: run `npm run build` (or `npm ci`) in the checkout first.\n');
  process.exit(1);
}
await import(entry.href);
