import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatehouseError } from '../core/errors.js';

/** No inline script or style, no third-party origin, no framing: the page shows untrusted prompt text. */
export const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const SECURITY_HEADERS = { 'content-security-policy': UI_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/** A gatehouse arch, as SVG: Chromium and Firefox take an SVG answer to /favicon.ico. */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b63ce"/><path d="M8 26V14a8 8 0 0 1 16 0v12h-5v-9a3 3 0 0 0-6 0v9z" fill="#fff"/></svg>';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** `vite build` writes dist/ui at the package root: two levels up from the sources, one from dist/local-gateway. */
const CANDIDATES = ['../../dist/ui/', '../../ui/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));

/** The build output, looked for on each miss so a build made after the gateway started is picked up. */
let found: string | null = null;
function uiDir(): string {
  found ??= CANDIDATES.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
  if (found === null) throw new GatehouseError('GH_ERR_UI_NOT_BUILT', 'The dashboard is not built: run `npm run build` in the gatehouse checkout, then reload this page.');
  return found;
}

/**
 * The React dashboard (renderer/, built by Vite into dist/ui). Public like any static page: it
 * holds no data until given the token. index.html is revalidated on every load; the assets
 * it names carry a content hash, so they are cached for a year.
 */
export async function uiRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/ui/', { config: { public: true } }, async (_req, reply) => {
    const html = await readFile(join(uiDir(), 'index.html'));
    return reply.type('text/html; charset=utf-8').headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' }).send(html);
  });

  app.get(
    '/ui/assets/:file',
    // One plain file name: no path separators, so nothing outside dist/ui/assets can be named.
    { config: { public: true }, schema: { params: z.object({ file: z.string().regex(/^[\w-]+(\.[\w-]+)+$/, 'an asset file name') }) } },
    async (req, reply) => {
      const type = TYPES[extname(req.params.file)];
      let body: Buffer | null = null;
      if (type !== undefined) body = await readFile(join(uiDir(), 'assets', req.params.file)).catch(() => null);
      if (body === null) throw new GatehouseError('GH_ERR_NOT_FOUND', `No dashboard asset ${req.params.file}: reload /ui/ to get the current build's assets.`);
      return reply.type(type!).headers({ ...SECURITY_HEADERS, 'cache-control': 'public, max-age=31536000, immutable' }).send(body);
    },
  );

  app.get('/ui', { config: { public: true } }, async (_req, reply) => reply.redirect('/ui/'));

  // Browsers ask for it on every page without the token; a 401 there is noise in every console.
  app.get('/favicon.ico', { config: { public: true } }, async (_req, reply) =>
    reply.type('image/svg+xml').headers({ ...SECURITY_HEADERS, 'cache-control': 'public, max-age=86400' }).send(FAVICON),
  );
}
