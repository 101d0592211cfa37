import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/schema.js';
import { homePaths, type LocalToken } from '../core/home.js';
import { createLogger, type LogLevel, type Logger } from '../core/log.js';
import { knownSecrets, registerSecret } from '../core/redact.js';
import { createIdentityService, type Identity, type IdentityService } from '../identity/index.js';
import type { RequestContext } from '../pipeline/context.js';
import { createPipeline, type Pipeline } from '../pipeline/index.js';
import { createPolicyEngine, type PolicyEngine, type PolicyEngineOptions } from '../pipeline/policy.js';
import { createPriceBook } from '../policy/engine/prices.js';
import { restoreLimits } from '../pipeline/restore-limits.js';
import { restoreSpend } from '../pipeline/restore-spend.js';
import { staticPolicy, type PolicySource } from '../policy/source.js';
import { watchPolicyFile } from '../policy/watch.js';
import { dirname, resolve } from 'node:path';
import { closeGuardrailPools, setGuardrailRuntime } from '../guardrails/remote/index.js';
import { createProviders } from '../providers/index.js';
import { forgetSecret, loadSecret } from '../providers/secrets.js';
import type { ProviderAdapter } from '../providers/types.js';
import { createEventBus, policyEvent, publishingSink, type EventBus } from '../admin/events.js';
import { closeDatabase, openDatabase } from '../store/db.js';
import { DEFAULT_OUTBOX_BUDGET } from '../store/outbox.js';
import { openKeychain } from '../keychain/index.js';
import { createDeviceSync, createOrgPolicySource, type DeviceSync, type SyncTimers } from '../../sync/device/index.js';
import { centralLink } from '../../sync/device/enrollment.js';
import { readEnrollment } from '../../sync/device/state.js';
import { TraceStore } from '../store/traces.js';
import { TraceWriter } from '../store/writer.js';
import type { RecordsOutbox } from '../../sync/device/contracts.js';
import { createRecordsOutbox } from '../../sync/device/outbox-sender.js';
import { pushPolicyOf } from '../../sync/device/records-batch.js';

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
  /** Tests drive fleet sync with their own timers, clock and randomness. */
  sync?: { timers?: SyncTimers; clock?: () => number; random?: () => number; records?: RecordsOutbox };
  /**
   * Replaces the local-token check and the process identity on client API routes: the
   * central gateway authenticates each call by its PAT and names its caller. Throws (a
   * GatehouseError) to refuse. Absent: the local token, and the identity service's answer.
   */
  authenticate?: (headers: IncomingHttpHeaders) => Identity | Promise<Identity>;
  /** More route plugins in the same app, after the security hook (the central's fleet and admin API; their routes say `public` and authenticate themselves). */
  plugins?: readonly FastifyPluginAsync[];
  /** Host names the Host check accepts besides the loopback ones, for a gateway bound beyond loopback. */
  allowedHosts?: readonly string[];
}

/** The services every plugin and route reaches through `app.gateway`. */
export interface GatewayServices {
  config: Config;
  configFile: string | null;
  home: string;
  token: string;
  tokenSource: LocalToken['source'];
  /** The environment `env:` key references are read from. */
  env: NodeJS.ProcessEnv;
  providers: ReadonlyMap<string, ProviderAdapter>;
  /** Readers `await writer.flush()` first, so they see every trace written so far. */
  traces: TraceStore;
  writer: TraceWriter;
  /** Sync records waiting for the central gateway: written with each trace while enrolled, sent in the background. */
  outbox: RecordsOutbox;
  /** Recorded requests and policy changes, as `WS /api/events` sends them. */
  events: EventBus;
  pipeline: Pipeline;
  /** The policy in force, its tiers' counters and the routing breakers. */
  policy: PolicyEngine;
  /** Values masked wherever they would be stored or logged. */
  secrets: readonly string[];
  identity: IdentityService;
  /** Fleet sync: enrollment, the org policy poller and the records outbox's drain. */
  sync: DeviceSync;
  /** Reads keychain keys and the PAT's identity again, e.g. after `gatehouse keys set`. */
  reloadSecrets(): Promise<Identity>;
  log: Logger;
  startedAt: number;
  /** See GatewayOptions. */
  authenticate: GatewayOptions['authenticate'] | null;
  allowedHosts: ReadonlySet<string>;
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
  const env = opts.env ?? process.env;
  const providers = createProviders(config, { timeouts: config.timeouts, env });
  // Remote guardrails resolve their keys here and may borrow a provider's endpoint and key.
  setGuardrailRuntime({ env, providers: config.providers });
  registerSecret(opts.token.value);
  for (const p of providers.values()) p.secrets().forEach(registerSecret);
  // The live list: keychain keys and the PAT join it when they are first read.
  const secrets = knownSecrets();
  const log = createLogger(opts.logging ?? false, secrets);
  const paths = homePaths(opts.home);
  const keychain = openKeychain(env);
  // The config's central gateway wins; else the one this device enrolled with, read afresh as enrollment changes.
  const identity = createIdentityService({ central: () => config.central?.url ?? readEnrollment(paths.enrollment)?.central_url ?? null, paths, log, env, keychain });
  const reloadSecrets = async () => {
    for (const p of config.providers) forgetSecret(p.api_key, env);
    await warmKeychainKeys(config, env, log);
    return identity.refresh();
  };
  // Neither blocks the start: a headless machine without a keychain still serves (and says why in the log).
  void reloadSecrets().catch((err: unknown) => log.error('could not resolve the identity', { err: (err as Error).message }));
  const db = openDatabase(paths.db);
  const traces = new TraceStore(db);
  const writer = new TraceWriter(traces, paths.journal, paths.db, (err, trace) =>
    log.error('could not store a trace', { trace: trace ?? undefined, err: (err as Error).message }),
  );
  const recovered = writer.recover();
  if (recovered > 0) log.warn('stored traces a previous run had journaled but not yet indexed', { recovered });

  const names = [config.tiers.active, ...config.tiers.shadow];
  // Once enrolled, the org's verified bundle is in force over the local `policy:` file.
  const orgPolicy = createOrgPolicySource({
    paths,
    fallback: opts.policy?.source ?? policySource(config, opts.configFile, names, log),
    tiers: names,
    enrollment: readEnrollment(paths.enrollment),
    log,
    clock: opts.sync?.clock,
  });
  const outbox =
    opts.sync?.records ??
    createRecordsOutbox({
      store: traces,
      // The enrollment on disk: `enroll` and `unenroll` change it from another process.
      link: () => {
        const e = readEnrollment(paths.enrollment);
        return e === null ? null : centralLink(e, keychain, env);
      },
      push: () => pushPolicyOf(orgPolicy.current(), config.tiers.active),
      budget: config.sync?.outbox ?? DEFAULT_OUTBOX_BUDGET,
      requestTimeoutMs: config.sync?.send_timeout_ms,
      flush: () => writer.flush(),
      onStored: (listener) => writer.onStored(listener),
      log,
    });
  const sync = createDeviceSync({
    paths,
    policy: orgPolicy,
    records: outbox,
    keychain,
    env,
    log,
    activeTier: config.tiers.active,
    onEnrollmentChange: () => void identity.refresh().catch((err: unknown) => log.error('could not resolve the identity', { err: (err as Error).message })),
    clock: opts.sync?.clock,
    random: opts.sync?.random,
    timers: opts.sync?.timers,
  });
  const policy = createPolicyEngine({
    source: orgPolicy,
    tiers: config.tiers,
    prices: createPriceBook(config.prices),
    clock: opts.policy?.clock,
    random: opts.policy?.random,
    sleep: opts.policy?.sleep,
  });
  const events = createEventBus(log);
  policy.source.onChange((p) => events.publish(policyEvent(p)));
  // Budgets are per period: spend so far this period is rebuilt from the stored traces.
  await restoreSpend(policy, traces, providers);
  // So are rate limits: a restart must not open a fresh window (nor forget what a shadow tier counted).
  restoreLimits(policy, traces);

  app.decorate('gateway', {
    config,
    configFile: opts.configFile,
    home: opts.home,
    token: opts.token.value,
    tokenSource: opts.token.source,
    env,
    providers,
    traces,
    writer,
    outbox,
    events,
    pipeline: createPipeline({ providers, traces: publishingSink(writer, events), secrets, log, identity, policy }),
    policy,
    secrets,
    identity,
    sync,
    reloadSecrets,
    log,
    startedAt: Date.now(),
    authenticate: opts.authenticate ?? null,
    allowedHosts: new Set((opts.allowedHosts ?? []).map((h) => h.toLowerCase())),
  } satisfies GatewayServices);
  app.decorateRequest('gh', null);

  sync.start();
  outbox.start();

  app.addHook('onClose', async () => {
    await sync.close();
    policy.source.close();
    await Promise.allSettled([...providers.values()].map((p) => p.close()));
    await closeGuardrailPools();
    // Before the writer: a send in flight finishes (or is abandoned) while the database is open.
    await outbox.close();
    await writer.close();
    closeDatabase(db);
  });
}

/**
 * The config's `policy:` file (relative to the config file), watched: a good edit applies, a
 * bad one is refused and the last good one stays. Without one, the built-in permissive tier.
 */
function policySource(config: Config, configFile: string | null, tiers: string[], log: Logger): PolicySource {
  if (config.policy === undefined) return staticPolicy(null, tiers);
  const file = resolve(configFile ? dirname(configFile) : process.cwd(), config.policy);
  return watchPolicyFile(file, tiers, { log });
}

/**
 * Reads the config's `keychain:` keys in the background, so the first request finds them in
 * memory and a missing or locked one shows in the log at start, not only in a failed call.
 */
async function warmKeychainKeys(config: Config, env: NodeJS.ProcessEnv, log: Logger): Promise<void> {
  const keyed = config.providers.filter((p) => p.api_key?.startsWith('keychain:'));
  await Promise.all(
    keyed.map((p) => loadSecret(p.id, p.api_key, env).catch((err: unknown) => log.warn((err as Error).message, { provider: p.id }))),
  );
}

export const servicesPlugin = fp(services, { name: 'gatehouse-services' });
