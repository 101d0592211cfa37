import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../config/schema.js';
import type { LocalToken } from '../core/home.js';
import { createLogger, type LogLevel, type Logger } from '../core/log.js';
import { homePaths } from '../core/home.js';
import type { RequestContext } from '../pipeline/context.js';
import { createPipeline, type Pipeline } from '../pipeline/index.js';
import { createProviders } from '../providers/index.js';
import type { ProviderAdapter } from '../providers/types.js';
import { adminRoutes } from '../routes/admin.js';
import { openaiRoutes } from '../routes/openai.js';
import { uiRoutes } from '../routes/ui.js';
import { closeDatabase, openDatabase } from '../store/db.js';
import { TraceStore } from '../store/traces.js';
import { TraceWriter } from '../store/writer.js';
import { installBodyParser } from './body-parser.js';
import { installErrorHandlers } from './error-handler.js';
import { securityPlugin } from './security.js';

export interface GatewayOptions {
  config: Config;
  /** The config file it came from, shown by `/api/status`; null on the built-in defaults. */
  configFile: string | null;
  /** The gateway's home directory (created by the caller). */
  home: string;
  token: LocalToken;
  env?: NodeJS.ProcessEnv;
  /** Level of the gateway's own log on stderr; false for none (tests). */
  logLevel?: LogLevel | false;
}

/** The services every plugin and route reaches through `app.gateway`. */
export interface GatewayServices {
  config: Config;
  configFile: string | null;
  home: string;
  token: string;
  tokenSource: LocalToken['source'];
  tier: Config['tiers'];
  providers: ReadonlyMap<string, ProviderAdapter>;
  /** Readers `await writer.flush()` first, so they see every trace written so far. */
  traces: TraceStore;
  writer: TraceWriter;
  pipeline: Pipeline;
  /** Values masked wherever they would be stored or logged. */
  secrets: readonly string[];
  log: Logger;
  startedAt: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: GatewayServices;
  }
  interface FastifyRequest {
    /** The trace context of a client API call; null for admin and public routes. */
    gh: RequestContext | null;
  }
  interface FastifyContextConfig {
    /** Marks a client API route: its calls run the pipeline and are traced. */
    api?: string;
    /** Served without the local token (health check). */
    public?: boolean;
  }
}

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
 * an ephemeral port. Closing the app closes the providers' pools and the database.
 */
export async function buildGateway(opts: GatewayOptions): Promise<FastifyInstance> {
  const env = opts.env ?? process.env;
  const { config } = opts;
  const app = Fastify({
    bodyLimit: Math.floor(config.limits.body_mb * 1024 * 1024),
    // The gateway logs through its own small logger (core/log.ts).
    logger: false,
    schemaController: { compilersFactory: ZOD_COMPILERS },
    // Agent streams run for minutes; the provider timeouts bound them, not the server.
    requestTimeout: 0,
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installBodyParser(app);

  const providers = createProviders(config, { timeouts: config.timeouts, env });
  const secrets = [opts.token.value, ...[...providers.values()].flatMap((p) => p.secrets())];
  const log = createLogger(opts.logLevel ?? false, secrets);
  const paths = homePaths(opts.home);
  const db = openDatabase(paths.db);
  const traces = new TraceStore(db);
  const writer = new TraceWriter(traces, paths.journal, paths.db, (err, trace) =>
    log.error('could not store a trace', { trace: trace ?? undefined, err: (err as Error).message }),
  );
  const recovered = writer.recover();
  if (recovered > 0) log.warn('stored traces a previous run had journaled but not yet indexed', { recovered });
  const pipeline = createPipeline({ providers, traces: writer, secrets, log });

  app.decorate('gateway', {
    config,
    configFile: opts.configFile,
    home: opts.home,
    token: opts.token.value,
    tokenSource: opts.token.source,
    tier: config.tiers,
    providers,
    traces,
    writer,
    pipeline,
    secrets,
    log,
    startedAt: Date.now(),
  } satisfies GatewayServices);
  app.decorateRequest('gh', null);

  app.addHook('onClose', async () => {
    await Promise.allSettled([...providers.values()].map((p) => p.close()));
    await writer.close();
    closeDatabase(db);
  });

  installErrorHandlers(app);
  await app.register(securityPlugin);
  await app.register(openaiRoutes);
  await app.register(adminRoutes);
  await app.register(uiRoutes);
  return app;
}

/** Listens on loopback only; returns the base URL. The one place the gateway binds a port. */
export async function listenLoopback(app: FastifyInstance, port: number): Promise<string> {
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return `http://127.0.0.1:${actual}`;
}
