import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { tokenCommand } from '../core/home.js';
import { performance } from 'node:perf_hooks';
import { createContext, timed, type RequestContext } from '../pipeline/context.js';
import { checkBrowserHeaders, tokenChecker } from '../pipeline/auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without the local token (health check). */
    public?: boolean;
  }
}

/**
 * Refuses what a browser could be tricked into sending: a foreign `Host` (DNS rebinding)
 * or a foreign `Origin` (a web page posting to the gateway). Then checks the local token
 * and opens the request's trace context, before any body is read.
 */
async function security(app: FastifyInstance): Promise<void> {
  const checkToken = tokenChecker(app.gateway.token, tokenCommand(app.gateway.home));
  const tier = app.gateway.config.tiers;

  const { authenticate, allowedHosts, clock } = app.gateway;

  // A callback hook, not an async one: it runs on every request and needs no promise (unless `authenticate` answers with one).
  app.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    try {
      const pending = guard(req);
      if (pending) pending.then(() => done(), (err: unknown) => done(err as Error));
      else done();
    } catch (err) {
      done(err as Error);
    }
  });

  function guard(req: FastifyRequest): Promise<void> | void {
    req.gh = null;
    checkBrowserHeaders(req.headers, allowedHosts);
    const config = req.routeOptions.config;
    if (config.public) return;
    const api = config.api;
    if (api === undefined) {
      checkToken(req.headers);
      return;
    }
    const ctx = createContext({ method: req.method, path: req.url.split('?')[0] ?? req.url, api, tier: tier.active, headers: req.headers, now: clock() });
    if (authenticate) return authenticateCall(req, ctx, authenticate);
    timed(ctx, 'authenticate', () => checkToken(req.headers));
    // Stamped now so a request refused before the pipeline runs (bad JSON, too large) still names its caller.
    const who = app.gateway.identity.current();
    ctx.user = who.user;
    ctx.team = who.team;
    // Only authenticated client calls are traced: an unauthenticated caller may not fill the store.
    req.gh = ctx;
  }

  /** The caller's own credential names them (the central gateway's PATs): the identity is per request. */
  async function authenticateCall(req: FastifyRequest, ctx: RequestContext, auth: NonNullable<typeof authenticate>): Promise<void> {
    const t = performance.now();
    const who = await auth(req.headers);
    ctx.phases.authenticate = performance.now() - t;
    ctx.identity = who;
    ctx.user = who.user;
    ctx.team = who.team;
    req.gh = ctx;
  }
}

export const securityPlugin = fp(security, { name: 'gatehouse-security', dependencies: ['gatehouse-services'] });
