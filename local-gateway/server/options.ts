import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/schema.js';
import type { LocalToken } from '../core/home.js';
import type { LogLevel } from '../core/log.js';
import type { Identity } from '../identity/index.js';
import type { PolicyEngineOptions } from '../pipeline/tier-runs.js';
import type { SpendSource } from '../limits/types.js';
import type { RecordsOutbox, RecordsTransport } from '../../sync/device/contracts.js';
import type { SyncTimers } from '../../sync/device/index.js';

/** What `buildGateway` is started with; each service plugin reads the part it needs. */
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
  /**
   * The wall clock: request ids, trace times and (unless `policy.clock` says otherwise) the
   * policy's windows, so a test can place its requests inside one hour instead of waiting.
   */
  clock?: () => number;
  /** Tests inject a policy source, and a clock, randomness and backoff that do not wait. */
  policy?: Partial<Pick<PolicyEngineOptions, 'source' | 'clock' | 'random' | 'sleep'>>;
  /** Where a shared limit store reseeds a budget from (the central's usage rollups); absent, this gateway's own counters. */
  limits?: { spend?: SpendSource };
  /** Tests drive fleet sync with their own timers, clock and randomness. */
  /** OTLP export batching, for tests: most traces per export and how long one waits for its batch (ms). */
  telemetry?: { batch?: number; delayMs?: number };
  /** Retention's clock (tests move time instead of waiting); the sweeps still run on the importer thread. */
  retention?: { clock?: () => number };
  sync?: { timers?: SyncTimers; clock?: () => number; random?: () => number; records?: RecordsOutbox; own?: OwnRecords };
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

/**
 * A central replica's own records: the outbox writes one per trace under this fixed device id
 * (enrollment, which a central's home never has, does not change it) and drains through
 * `transport` into the central's storage.
 */
export interface OwnRecords {
  deviceId: string;
  transport: RecordsTransport;
  /** How soon after new traces, and how often while records wait, the drain runs (ms). */
  drainMs: number;
}
