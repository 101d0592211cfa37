import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ConfigSchema, type Config } from '../../local-gateway/config/schema.js';
import { GatehouseError } from '../../local-gateway/core/errors.js';
import { ensureHome } from '../../local-gateway/core/home.js';
import { createLogger, type LogLevel } from '../../local-gateway/core/log.js';
import { registerSecret } from '../../local-gateway/core/redact.js';
import type { Identity } from '../../local-gateway/identity/index.js';
import { openKeychain, type Keychain } from '../../local-gateway/keychain/index.js';
import { buildGateway } from '../../local-gateway/server/app.js';
import { authenticatePat } from './auth.js';
import { CentralError } from './errors.js';
import { rollupSpend } from './limit-spend.js';
import { keyProviderFrom, type KeyProvider } from './key-provider.js';
import { DEFAULT_OWN_DRAIN_MS, enrollReplica, ReplicaIdError, storageTransport } from './own-records.js';
import { DEFAULT_OVERLAP_MS, Signer } from './keys.js';
import { PolicyBook } from './policies.js';
import { IngestGate } from './ingest-gate.js';
import { adminRoutes } from './routes/admin.js';
import { fleetRoutes, RECORDS_BODY_LIMIT } from './routes/fleet.js';
import { metricsRoutes } from './routes/metrics.js';
import { installCentralParsers, toCentralError } from './routes/http.js';
import type { CentralServices } from './services.js';
import { openStorage, StorageUrlError } from './storage-open.js';
import type { CentralStorage } from './storage.js';

export interface CentralOptions {
  /** Its home directory: `central.db` and the client API traces (`gatehouse.db`). */
  home: string;
  /** Required: the bearer of the admin API (and of the central's own /api and dashboard). */
  adminToken: string;
  /** Providers, limits and timeouts for the client APIs (the device's config schema); `tiers` is set by the central. */
  config?: Config;
  configFile?: string | null;
  /** Where `GATEHOUSE_SIGNING_KEY` and `env:` provider keys are read. */
  env?: NodeJS.ProcessEnv;
  /** Injected in tests where time matters (expiry, STALE, key overlap). */
  clock?: () => number;
  /** Holds the signing seed when it does not come from the environment or a file; defaults to the OS keychain. */
  keychain?: Keychain;
  /** Where the signing seed lives; default from the environment: GATEHOUSE_SIGNING_KEY, GATEHOUSE_SIGNING_KEY_FILE, else `keychain`. */
  keyProvider?: KeyProvider;
  /** Defaults to SQLite in `<home>/central.db`. */
  storage?: CentralStorage;
  /** When `storage` is not given: `sqlite` (the default) or a `postgres://` URL with its password as an env:/keychain: reference. */
  storageUrl?: string;
  /** The tier the client APIs enforce; no tier is shadowed. Default `prod`. */
  enforcedTier?: string;
  /**
   * The org the central serves: devices enroll into it and only its bundles are published.
   * Required until a bundle is published; afterwards it defaults to the latest bundle's `org`.
   */
  org?: string | null;
  /** Expected device poll interval; STALE after 3 of them without a poll. Default 60 s. */
  pollIntervalMs?: number;
  /** How long a rotated-out key stays valid. Default 7 days. */
  keyOverlapMs?: number;
  /** Records batches ingested at once; more are refused with 429 and Retry-After (a fleet reconnecting). Default 16. */
  maxIngestInFlight?: number;
  /** Keep records this many days (by the day their request started), where the backend drops days (PostgreSQL); absent: keep all. */
  recordsRetentionDays?: number;
  /** On shared storage, how often the latest version is re-read beside LISTEN/NOTIFY. Default 5 s. */
  policyPollMs?: number;
  /**
   * How soon the usage of a request this replica served is handed to the storage: the delay
   * of its own outbox's drain after new traces, and its timer. Default 1 s. Tests set it long
   * to find records still waiting when they kill the process.
   */
  ownDrainMs?: number;
  /** Host names accepted besides loopback ones, when bound beyond 127.0.0.1. */
  allowedHosts?: readonly string[];
  logging?: LogLevel | false;
}

/** How often a replica on shared storage re-reads the latest version, beside LISTEN/NOTIFY. */
const DEFAULT_POLICY_POLL_MS = 5_000;

/**
 * On shared storage (several replicas, one database) a publish or rotation on one replica
 * reaches the others: notified at once where the backend can, polled as a fallback. Each
 * refresh verifies the stored bundle before swapping it in. Returns the stop.
 */
async function watchShared(storage: CentralStorage, services: CentralServices, pollMs: number): Promise<() => Promise<void>> {
  if (!storage.watchPolicies) return async () => {};
  let running: Promise<void> | null = null;
  const refresh = () => {
    running ??= (async () => {
      try {
        if (await services.policies.refresh()) await services.signer.reload();
      } catch (err) {
        services.log.warn('policy refresh failed; keeping the current version', { err: (err as Error).message });
      } finally {
        running = null;
      }
    })();
  };
  const stopWatch = await storage.watchPolicies(refresh);
  const timer = setInterval(refresh, pollMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await stopWatch();
    await running;
  };
}

/**
 * Retention by whole days: at start and hourly, the days that ended more than `days` ago are
 * dropped (a partition each on PostgreSQL, never a DELETE). Any replica may run it; dropping
 * is idempotent.
 */
async function keepDays(storage: CentralStorage, services: CentralServices, days: number | undefined): Promise<NodeJS.Timeout | undefined> {
  if (days === undefined || !storage.dropRecordsBefore) return undefined;
  const run = async () => {
    const today = Math.floor(services.clock() / 86_400_000) * 86_400_000;
    try {
      const dropped = await storage.dropRecordsBefore!(today - days * 86_400_000);
      if (dropped.length > 0) services.log.info('records retention dropped days', { dropped: dropped.join(',') });
    } catch (err) {
      services.log.warn('records retention failed; it runs again within the hour', { err: (err as Error).message });
    }
  };
  await run();
  const timer = setInterval(() => void run(), 3600_000);
  timer.unref();
  return timer;
}

/** How long a stopping replica tries to hand its own waiting records to the storage; what is left waits in its home. */
const HAND_OVER_MS = 2_000;

/** A last drain of the replica's own outbox, bounded, then the outbox closed (so nothing ingests into a closed storage). */
async function handOver(app: FastifyInstance, services: CentralServices): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, HAND_OVER_MS)));
  const drained = app.sync.outbox.drain().then((r) => {
    if (r.remaining > 0) services.log.warn('records of served requests still wait in this replica\'s home; the next start on it sends them', { remaining: r.remaining, err: r.error ?? undefined });
  });
  await Promise.race([drained, late]);
  clearTimeout(timer);
  await app.sync.outbox.close();
}

/** Names the central's failure to start in one sentence (the CLI prints it). */
export class CentralStartError extends Error {}

/**
 * The org is never guessed: a device enrolled into a made-up org before the first publish
 * would pin it and then refuse every bundle of the real one.
 */
function centralOrg(given: string | null, published: string | null): string {
  if (given !== null && published !== null && given !== published) {
    throw new CentralStartError(`This central gateway's published policy is for org "${published}", not "${given}": start it with --org ${published}, or without --org.`);
  }
  const org = given ?? published;
  if (org === null) throw new CentralStartError('Name the org this central gateway serves with --org NAME (or GATEHOUSE_ORG): devices enroll into it and only its bundles can be published.');
  return org;
}

/**
 * Builds the reference central gateway without listening: the local gateway's app (client
 * APIs through the same pipeline, authenticated by PAT, enforcing one tier with the latest
 * published bundle) plus the fleet and admin API.
 */
export async function createCentral(opts: CentralOptions): Promise<FastifyInstance> {
  if (!opts.adminToken.trim()) throw new CentralStartError('Set GATEHOUSE_ADMIN_TOKEN to a long random secret (e.g. `openssl rand -base64 32`): the central gateway does not start without an admin token.');
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? Date.now;
  const enforcedTier = opts.enforcedTier ?? 'prod';
  registerSecret(opts.adminToken);
  ensureHome(opts.home);
  const keychain = opts.keychain ?? openKeychain(env);
  const log = createLogger(opts.logging ?? false, []);
  let storage: CentralStorage;
  let storageDisplay = opts.storage ? 'given' : `sqlite ${join(opts.home, 'central.db')}`;
  try {
    const opened = opts.storage ? null : await openStorage(opts.storageUrl ?? 'sqlite', { home: opts.home, env, keychain, log });
    storage = opts.storage ?? opened!.storage;
    if (opened) storageDisplay = opened.display;
  } catch (err) {
    if (err instanceof StorageUrlError) throw new CentralStartError(err.message);
    throw new CentralStartError(`Cannot open the central's storage (${(err as Error).message}): check the --storage URL and that the database is reachable.`);
  }
  let services: CentralServices;
  let replica: string;
  try {
    replica = await enrollReplica(storage, opts.home, clock).catch((err: unknown) => {
      throw err instanceof ReplicaIdError ? new CentralStartError(err.message) : err;
    });
    const signer = await Signer.open(storage, opts.keyProvider ?? keyProviderFrom(env, keychain), clock);
    const policies = await PolicyBook.open(storage, signer, { enforcedTier, org: opts.org ?? null, clock });
    const org = centralOrg(opts.org ?? null, policies.publishedOrg());
    services = {
      storage,
      signer,
      policies,
      clock,
      pollIntervalMs: opts.pollIntervalMs ?? 60_000,
      keyOverlapMs: opts.keyOverlapMs ?? DEFAULT_OVERLAP_MS,
      ingest: new IngestGate(opts.maxIngestInFlight ?? 16),
      log,
      org: () => org,
      storageDisplay,
      replicaId: replica,
    };
  } catch (err) {
    await storage.close();
    throw err;
  }

  const base = opts.config ?? ConfigSchema.parse({});
  const config: Config = { ...base, tiers: { active: enforcedTier, shadow: [] }, central: undefined };
  const authenticate = async (headers: FastifyRequest['headers']): Promise<Identity> => {
    try {
      const pat = await authenticatePat(storage, headers);
      return { user: pat.user, team: pat.team, org: services.org(), source: 'pat' };
    } catch (err) {
      // The client APIs answer in their own error shape (OpenAI, Anthropic), from the gateway's catalogue.
      if (err instanceof CentralError) throw new GatehouseError('GH_ERR_UNAUTHORIZED', err.message);
      throw err;
    }
  };

  const shared = await watchShared(storage, services, opts.policyPollMs ?? DEFAULT_POLICY_POLL_MS);
  const retention = await keepDays(storage, services, opts.recordsRetentionDays);
  const decorate = fp(async (app: FastifyInstance) => {
    app.decorate('central', services);
    // Runs before the gateway's own services close (onClose runs in reverse order): the
    // replica hands over what it served while its storage is still open.
    app.addHook('onClose', async () => {
      clearInterval(retention);
      await shared();
      await handOver(app, services);
      await storage.close();
    });
  }, { name: 'gatehouse-central' });

  const central = async (app: FastifyInstance) => {
    installCentralParsers(app);
    app.setErrorHandler(async (raw: Error, req: FastifyRequest, reply: FastifyReply) => {
      const err = toCentralError(raw, RECORDS_BODY_LIMIT / 1024 / 1024);
      if (err.code === 'GH_ERR_STORAGE_UNAVAILABLE') services.log.warn('database unavailable', { route: req.url.split('?')[0], err: raw.message });
      if (err.code === 'GH_ERR_INTERNAL') services.log.error('internal error', { route: req.url.split('?')[0], err: String(raw.stack ?? raw) });
      if (err.retryAfterS !== undefined) reply.header('retry-after', String(err.retryAfterS));
      return reply.code(err.statusCode).send(err.body());
    });
    await app.register(fleetRoutes);
    await app.register(adminRoutes, { adminToken: opts.adminToken });
    await app.register(metricsRoutes, { adminToken: opts.adminToken });
  };

  return buildGateway({
    config,
    configFile: opts.configFile ?? null,
    home: opts.home,
    // The local admin API and dashboard of the central's own traces take the admin token.
    token: { value: opts.adminToken, source: 'env', file: null },
    env,
    logging: opts.logging ?? false,
    policy: { source: services.policies.source, clock },
    // With `limits.store` in its config, a budget Redis lost is reseeded from the usage rollups.
    limits: { spend: rollupSpend(storage) },
    // The usage of what this replica serves: its own outbox, drained into its storage in process.
    sync: { own: { deviceId: replica, transport: storageTransport(storage, replica, clock), drainMs: opts.ownDrainMs ?? DEFAULT_OWN_DRAIN_MS } },
    authenticate,
    plugins: [decorate, central],
    allowedHosts: opts.allowedHosts,
  });
}
