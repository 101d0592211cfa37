import type { FastifyInstance } from 'fastify';
import { APP_CSS, APP_JS, INDEX_HTML } from '../ui/assets.js';

/** No inline script, no third-party origin, no framing: the page shows untrusted prompt text. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The built-in trace viewer. Public like any static page: it holds no data until given the token. */
export async function uiRoutes(app: FastifyInstance): Promise<void> {
  const page = (type: string, body: string) => ({ type, body });
  const assets: Record<string, { type: string; body: string }> = {
    '/ui/': page('text/html; charset=utf-8', INDEX_HTML),
    '/ui/app.js': page('text/javascript; charset=utf-8', APP_JS),
    '/ui/app.css': page('text/css; charset=utf-8', APP_CSS),
  };
  for (const [path, asset] of Object.entries(assets)) {
    app.get(path, { config: { public: true } }, async (_req, reply) =>
      reply
        .type(asset.type)
        .headers({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' })
        .send(asset.body),
    );
  }
  app.get('/ui', { config: { public: true } }, async (_req, reply) => reply.redirect('/ui/'));
}
