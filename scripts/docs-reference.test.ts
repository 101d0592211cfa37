import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../local-gateway/core/errors.js';
import { CENTRAL_ERRORS } from '../sync/central/errors.js';
import { REFERENCE_DIR, referenceFiles } from './docs-reference.js';
import { CENTRAL_ERROR_MEANINGS, GATEWAY_ERROR_MEANINGS } from './error-meanings.js';
import { ROUTE_DOCS } from './reference/route-docs.js';
import { gatewayRoutes } from './reference/routes.js';

describe('docs/reference', () => {
  it('is what the schemas, the CLI help, the error catalogue and the routes generate (run `npm run docs:reference` after changing them)', async () => {
    for (const [name, text] of Object.entries(await referenceFiles())) {
      expect(readFileSync(join(REFERENCE_DIR, name), 'utf8'), `docs/reference/${name} is stale: run npm run docs:reference`).toBe(text);
    }
  });

  it('gives every error code a meaning (add one to scripts/error-meanings.ts)', () => {
    expect(Object.keys(ERRORS).filter((c) => !(c in GATEWAY_ERROR_MEANINGS))).toEqual([]);
    expect(Object.keys(CENTRAL_ERRORS).filter((c) => !(c in CENTRAL_ERROR_MEANINGS))).toEqual([]);
  });

  it('describes every route the gateway registers, and no other (edit scripts/reference/route-docs.ts)', async () => {
    const registered = (await gatewayRoutes()).map((r) => `${r.method} ${r.path}`);
    expect(registered.filter((r) => !(r in ROUTE_DOCS))).toEqual([]);
    // The WebSocket is served on the HTTP server's upgrade event, not as a Fastify route.
    expect(Object.keys(ROUTE_DOCS).filter((r) => !registered.includes(r) && r !== 'WS /api/events')).toEqual([]);
  });
});
