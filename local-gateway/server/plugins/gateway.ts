import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EventBus } from '../../admin/events.js';
import type { Identity, IdentityService } from '../../identity/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { PolicyEngine } from '../../pipeline/tier-runs.js';
import type { ProviderAdapter } from '../../providers/types.js';
import type { TraceStore } from '../../store/traces.js';
import type { TraceWriter } from '../../store/writer.js';
import type { TelemetryExporter } from '../../telemetry/exporter.js';
import type { RetentionService } from './retention.js';
import type { RecordsOutbox } from '../../../sync/device/contracts.js';
import type { DeviceSync } from '../../../sync/device/index.js';
import type { GatewayRuntime } from './runtime.js';

/**
 * Every service under one name, for routes and tests. Each plugin decorates its own service
 * (`app.store`, `app.policy`…) and owns its opening and closing; this aggregate only refers to
 * them, so a route reads `app.gateway.x` whichever plugin built `x`, and the routes did not
 * change when `services.ts` was split into the plugins.
 */
export interface GatewayServices extends Omit<GatewayRuntime, 'paths' | 'keychain'> {
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
  identity: IdentityService;
  /** Fleet sync: enrollment, the org policy poller and the records outbox's drain. */
  sync: DeviceSync;
  /** OTLP export of every trace; null unless `telemetry.otlp` is configured. */
  telemetry: TelemetryExporter | null;
  /** Deletes traces past `logging.retention_days` and `storage.max_gb`, in the background. */
  retention: RetentionService;
  /** Reads keychain keys and the PAT's identity again, e.g. after `gatehouse keys set`. */
  reloadSecrets(): Promise<Identity>;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: GatewayServices;
  }
}

async function gateway(app: FastifyInstance): Promise<void> {
  const { paths: _paths, keychain: _keychain, ...runtime } = app.runtime;
  app.decorate('gateway', {
    ...runtime,
    providers: app.providers,
    traces: app.store.traces,
    writer: app.store.writer,
    outbox: app.sync.outbox,
    events: app.events,
    pipeline: app.pipeline,
    policy: app.policy,
    identity: app.identity,
    sync: app.sync.device,
    telemetry: app.telemetry,
    retention: app.retention,
    reloadSecrets: app.reloadSecrets,
  } satisfies GatewayServices);
}

export const gatewayPlugin = fp(gateway, {
  name: 'gatehouse-services',
  dependencies: ['gatehouse-runtime', 'gatehouse-providers', 'gatehouse-identity', 'gatehouse-store', 'gatehouse-policy', 'gatehouse-events', 'gatehouse-sync', 'gatehouse-retention', 'gatehouse-telemetry', 'gatehouse-pipeline'],
});
