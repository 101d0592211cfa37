import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../local-gateway/core/version.js';
import { syncOpenApi } from './openapi.js';

/** Where the generated document lives, relative to the checkout. */
export const OPENAPI_FILE = fileURLToPath(new URL('../docs/reference/sync-openapi.json', import.meta.url));

export function openApiText(): string {
  return `${JSON.stringify(syncOpenApi(VERSION), null, 2)}\n`;
}

// `npm run docs:openapi` regenerates the committed document.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(dirname(OPENAPI_FILE), { recursive: true });
  writeFileSync(OPENAPI_FILE, openApiText());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
