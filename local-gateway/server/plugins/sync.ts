import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DEFAULT_OUTBOX_BUDGET } from '../../store/outbox.js';
import type { RecordsOutbox } from '../../../sync/device/contracts.js';
import { centralLink } from '../../../sync/device/enrollment.js';
import { createDeviceSync, type DeviceSync } from '../../../sync/device/index.js';
import { createRecordsOutbox } from '../../../sync/device/outbox-sender.js';
import { pushPolicyOf } from '../../../sync/device/records-batch.js';
import { readEnrollment } from '../../../sync/device/state.js';
import type { GatewayOptions } from '../options.js';

/** Fleet sync on the device: the org policy poller and the records outbox. */
export interface SyncServices {
  /** Enrollment, the org policy poller and the records outbox's drain. */
  device: DeviceSync;
  /** Sync records waiting for the central gateway: written with each trace while enrolled, sent in the background. */
  outbox: RecordsOutbox;
}

declare module 'fastify' {
  interface FastifyInstance {
    sync: SyncServices;
  }
}

/**
 * Starts fleet sync once the policy and the store are up. Registered after the store, so it
 * closes before it: a send in flight finishes (or is abandoned) while the database is open.
 */
async function sync(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const { config, env, log, paths, keychain } = app.runtime;
  const { traces, writer } = app.store;
  const orgPolicy = app.orgPolicy;
  const identity = app.identity;
  const own = opts.sync?.own;
  const outbox =
    opts.sync?.records ??
    createRecordsOutbox({
      store: traces,
      // The enrollment on disk: `enroll` and `unenroll` change it from another process.
      link: () => {
        const e = readEnrollment(paths.enrollment);
        return e === null ? null : centralLink(e, keychain, env);
      },
      ...(own && { transport: own.transport, intervalMs: own.drainMs, soonMs: own.drainMs }),
      push: () => pushPolicyOf(orgPolicy.current(), config.tiers.active),
      budget: config.sync?.outbox ?? DEFAULT_OUTBOX_BUDGET,
      requestTimeoutMs: config.sync?.send_timeout_ms,
      flush: () => writer.flush(),
      onStored: (listener) => writer.onStored(listener),
      log,
    });
  if (own) outbox.setDevice(own.deviceId);
  const device = createDeviceSync({
    paths,
    policy: orgPolicy,
    // A central replica's outbox keeps its own device id whatever the (absent) enrollment says.
    records: own ? { ...outbox, setDevice: () => 0 } : outbox,
    keychain,
    env,
    log,
    activeTier: config.tiers.active,
    onEnrollmentChange: () => void identity.refresh().catch((err: unknown) => log.error('could not resolve the identity', { err: (err as Error).message })),
    clock: opts.sync?.clock,
    random: opts.sync?.random,
    timers: opts.sync?.timers,
  });
  app.decorate('sync', { device, outbox } satisfies SyncServices);
  app.addHook('onClose', async () => {
    await device.close();
    await outbox.close();
  });
  device.start();
  outbox.start();
}

export const syncPlugin = fp(sync, { name: 'gatehouse-sync', dependencies: ['gatehouse-runtime', 'gatehouse-identity', 'gatehouse-store', 'gatehouse-policy'] });
