import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { adminRoutes } from '../routes/admin.js';
import { anthropicRoutes } from '../routes/anthropic.js';
import { dashboardRoutes } from '../routes/dashboard.js';
import { eventsRoutes } from '../routes/events.js';
import { mcpRoutes } from '../routes/mcp.js';
import { modelsRoutes } from '../routes/models.js';
import { openaiRoutes } from '../routes/openai.js';
import { policyRoutes } from '../routes/policy.js';
import { responsesRoutes } from '../routes/responses.js';
import { syncRoutes } from '../routes/sync.js';
import { uiRoutes } from '../routes/ui.js';
import { installBodyParser } from './body-parser.js';
import { clientErrorHandler, frameworkErrors, type InFlight } from './client-errors.js';
import { installErrorHandlers } from './error-handler.js';
import { securityPlugin } from './security.js';
import type { GatewayOptions } from './options.js';
import { registerServices } from './plugins/index.js';

export type { GatewayOptions } from './options.js';
export type { GatewayServices } from './plugins/gateway.js';

/**
 * Every route schema is zod. Naming the compilers up front keeps Fastify from loading ajv and
 * fast-json-stringify (~16 MB resident) for default compilers it would never use; Fastify's
 * types describe only the ajv-shaped factories, hence the cast.
 */
const ZOD_COMPILERS = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * Builds the gateway without listening: the CLI listens on 127.0.0.1, tests do the same on
 * an ephemeral port. Plugins in tiers: services, then the security hook, then the routes.
 */
export async function buildGateway(opts: GatewayOptions): Promise<FastifyInstance> {
  const inFlight = new WeakMap<Socket, InFlight>();
  const limits = opts.config.limits;
  const app = Fastify({
    bodyLimit: Math.floor(limits.body_mb * 1024 * 1024),
    // The gateway logs through its own small logger (core/log.ts).
    logger: false,
    schemaController: { compilersFactory: ZOD_COMPILERS },
    // Node's request timeout ends when the request is received, so it never cuts an agent's
    // stream of many minutes: the provider timeouts bound the answer.
    requestTimeout: limits.request_timeout_ms,
    keepAliveTimeout: limits.keep_alive_timeout_ms,
    http: {
      headersTimeout: limits.headers_timeout_ms,
      // Node checks the two timeouts every interval (30 s by default): a tenth of the shorter keeps them close to what is configured.
      connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(limits.headers_timeout_ms / 10))),
    },
    return503OnClosing: true,
    clientErrorHandler: clientErrorHandler(inFlight),
    frameworkErrors,
  });
  app.addHook('onRequest', async (req, reply) => {
    inFlight.set(req.raw.socket, { path: req.url, headers: req.headers, res: reply.raw as ServerResponse });
  });
  // Node closes idle keep-alive sockets once, when the close begins: a request still running
  // then would leave its socket idle for the whole keep-alive timeout and hold the close with it.
  // Nor does Node count as idle a connection that has not sent a byte (a client's pool opens
  // them ahead, an SSE client reconnecting leaves one): it would hold the close until the
  // headers timeout. Both are swept until the server has closed.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.addHook('preClose', (done) => {
    // A server that never listened has no sockets, and would never say it closed.
    if (!app.server.listening) return done();
    const sweep = setInterval(() => {
      app.server.closeIdleConnections();
      for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
    }, 100);
    sweep.unref();
    app.server.once('close', () => clearInterval(sweep));
    done();
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installBodyParser(app);
  installErrorHandlers(app);

  await registerServices(app, opts);
  await app.register(securityPlugin);
  await app.register(openaiRoutes);
  await app.register(anthropicRoutes);
  await app.register(responsesRoutes);
  await app.register(modelsRoutes);
  await app.register(adminRoutes);
  await app.register(policyRoutes);
  await app.register(syncRoutes);
  await app.register(dashboardRoutes);
  await app.register(eventsRoutes);
  await app.register(mcpRoutes);
  await app.register(uiRoutes);
  for (const plugin of opts.plugins ?? []) await app.register(plugin);
  return app;
}

/** Listens on loopback only; returns the base URL. The one place the gateway binds a port. */
export async function listenLoopback(app: FastifyInstance, port: number): Promise<string> {
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return `http://127.0.0.1:${actual}`;
}
