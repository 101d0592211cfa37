import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/schema.js';
import { homePaths, type LocalToken } from '../core/home.js';
import { createLogger, type LogLevel, type Logger } from '../core/log.js';
import type { RequestContext } from '../pipeline/context.js';
import { createPipeline, type Pipeline } from '../pipeline/index.js';
import { createPolicyEngine, type PolicyEngine, type PolicyEngineOptions } from '../pipeline/policy.js';
import { createPriceBook } from '../policy/engine/prices.js';
import { restoreSpend } from '../pipeline/restore-spend.js';
import { loadPolicyFile, staticPolicy, type PolicySource } from '../policy/source.js';
import { dirname, resolve } from 'node:path';
import { createProviders } from '../providers/index.js';
import type { ProviderAdapter } from '../providers/types.js';
import { closeDatabase, openDatabase } from '../store/db.js';
import { TraceStore } from '../store/traces.js';
import { TraceWriter } from '../store/writer.js';

export interface GatewayOptions {
  config: Config;
  /** The config file it came from, shown by `/api/status`; null on the built-in defaults. */
  configFile: string | null;
  /** The gateway's home directory (created by the caller). */
  home: string;
  token: LocalToken;
  env?: NodeJS.ProcessEnv;
  /** Level of the gateway's own log on stderr; false for none (tests). Not `logLevel`: Fastify reads that key of plugin options itself. */
  logging?: LogLevel | false;
  /** Tests inject a policy source, and a clock, randomness and backoff that do not wait. */
  policy?: Partial<Pick<PolicyEngineOptions, 'source' | 'clock' | 'random' | 'sleep'>>;
}

/** The services every plugin and route reaches through `app.gateway`. */
export interface GatewayServices {
  config: Config;
  configFile: string | null;
  home: string;
  token: string;
  tokenSource: LocalToken['source'];
  providers: ReadonlyMap<string, ProviderAdapter>;
  /** Readers `await writer.flush()` first, so they see every trace written so far. */
  traces: TraceStore;
  writer: TraceWriter;
  pipeline: Pipeline;
  /** The policy in force, its tiers' counters and the routing breakers. */
  policy: PolicyEngine;
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
 * The gateway's services: providers, the trace store and its writer, the pipeline, the log.
 * Closing the app closes the providers' pools, stores what is still journaled and closes the
 * database.
 */
async function services(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const { config } = opts;
  const providers = createProviders(config, { timeouts: config.timeouts, env: opts.env ?? process.env });
  const secrets = [opts.token.value, ...[...providers.values()].flatMap((p) => p.secrets())];
  const log = createLogger(opts.logging ?? false, secrets);
  const paths = homePaths(opts.home);
  const db = openDatabase(paths.db);
  const traces = new TraceStore(db);
  const writer = new TraceWriter(traces, paths.journal, paths.db, (err, trace) =>
    log.error('could not store a trace', { trace: trace ?? undefined, err: (err as Error).message }),
  );
  const recovered = writer.recover();
  if (recovered > 0) log.warn('stored traces a previous run had journaled but not yet indexed', { recovered });

  const names = [config.tiers.active, ...config.tiers.shadow];
  const policy = createPolicyEngine({
    source: opts.policy?.source ?? policySource(config, opts.configFile, names),
    tiers: config.tiers,
    prices: createPriceBook(config.prices),
    clock: opts.policy?.clock,
    random: opts.policy?.random,
    sleep: opts.policy?.sleep,
  });
  // Budgets are per period: spend so far this period is rebuilt from the stored traces.
  await restoreSpend(policy, traces, providers);

  app.decorate('gateway', {
    config,
    configFile: opts.configFile,
    home: opts.home,
    token: opts.token.value,
    tokenSource: opts.token.source,
    providers,
    traces,
    writer,
    pipeline: createPipeline({ providers, traces: writer, secrets, log, policy }),
    policy,
    secrets,
    log,
    startedAt: Date.now(),
  } satisfies GatewayServices);
  app.decorateRequest('gh', null);

  app.addHook('onClose', async () => {
    policy.source.close();
    await Promise.allSettled([...providers.values()].map((p) => p.close()));
    await writer.close();
    closeDatabase(db);
  });
}

/** The config's `policy:` file (relative to the config file), or the built-in permissive tier. */
function policySource(config: Config, configFile: string | null, tiers: string[]): PolicySource {
  if (config.policy === undefined) return staticPolicy(null, tiers);
  const file = resolve(configFile ? dirname(configFile) : process.cwd(), config.policy);
  return staticPolicy(loadPolicyFile(file), tiers, file);
}

export const servicesPlugin = fp(services, { name: 'gatehouse-services' });
