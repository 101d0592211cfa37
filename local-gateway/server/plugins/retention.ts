import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sweep, type RetentionStatus, type SweepResult } from '../../store/retention.js';
import type { GatewayOptions } from '../options.js';

const DAY_MS = 86_400_000;
/** The first sweep waits a little: a gateway that just started has requests to serve first. */
const FIRST_SWEEP_MS = 30_000;

export interface RetentionService {
  /** Sweeps now (or joins the sweep under way) and resolves with what it deleted. */
  sweepNow(): Promise<SweepResult>;
  status(): RetentionStatus;
}

declare module 'fastify' {
  interface FastifyInstance {
    retention: RetentionService;
  }
}

/**
 * Applies `logging.retention_days` (the active tier's, read at every sweep so a new policy
 * applies at the next one) and `storage.max_gb` every `storage.sweep_minutes`. The sweep runs
 * on the trace importer thread in small transactions; this thread only asks and waits.
 */
async function retention(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const { config, log } = app.runtime;
  const clock = opts.retention?.clock ?? Date.now;
  const maxBytes = config.storage.max_gb === undefined ? null : Math.floor(config.storage.max_gb * 1024 ** 3);
  const days = () => app.policy.source.current().tiers.get(config.tiers.active)?.logging.retention_days ?? 30;
  let running: Promise<SweepResult> | null = null;
  let last: RetentionStatus['last_sweep'] = null;
  let lastError: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const sweepNow = (): Promise<SweepResult> => {
    if (running) return running;
    const sweeping = (async () => {
      const now = clock();
      const req = { before: now - days() * DAY_MS, maxBytes };
      try {
        // Nothing due (an idle laptop's usual case): the importer thread is left asleep, or unstarted.
        const result = app.store.retention.due(req)
          ? await app.store.writer.sweep(req, (r) => sweep(app.store.retention, r, (ms) => new Promise((resolve) => setTimeout(() => resolve(!closed), ms))))
          : { traces: 0, blobs: 0, pages_freed: 0, bytes: app.store.retention.usedBytes() };
        last = { at: new Date(now).toISOString(), ...result };
        lastError = null;
        if (result.traces > 0) log.info('retention deleted old traces', { traces: result.traces, blobs: result.blobs, bytes: result.bytes });
        return result;
      } catch (err) {
        lastError = (err as Error).message;
        throw err;
      }
    })();
    // Cleared once it settles, not in its own `finally`: a sweep with nothing due settles
    // before it is assigned, and would then stay the answer to every later call.
    running = sweeping;
    sweeping.then(() => (running = null), () => (running = null));
    return sweeping;
  };
  const schedule = (ms: number) => {
    if (closed) return;
    timer = setTimeout(() => {
      sweepNow()
        .catch((err: unknown) => log.error('retention could not sweep the trace store', { err: (err as Error).message }))
        .finally(() => schedule(config.storage.sweep_minutes * 60_000));
    }, ms);
    timer.unref();
  };
  schedule(FIRST_SWEEP_MS);

  app.decorate('retention', {
    sweepNow,
    status: () => ({ retention_days: days(), max_bytes: maxBytes, last_sweep: last, last_error: lastError }),
  } satisfies RetentionService);
  app.addHook('onClose', async () => {
    closed = true;
    if (timer !== null) clearTimeout(timer);
    // A sweep rests between batches and may have minutes to go: it ends after its current batch.
    app.store.writer.stopSweeps();
    await running?.catch(() => undefined);
  });
}

export const retentionPlugin = fp(retention, { name: 'gatehouse-retention', dependencies: ['gatehouse-runtime', 'gatehouse-store', 'gatehouse-policy'] });
