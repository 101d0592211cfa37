import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { publishingSink } from '../../admin/events.js';
import type { RequestContext } from '../../pipeline/context.js';
import { createPipeline, type Pipeline } from '../../pipeline/index.js';
import { exportingSink } from './telemetry.js';
import { createWallMarks } from '../../pipeline/wall-marks.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs a client API call through the stages, and records its trace. */
    pipeline: Pipeline;
  }
  interface FastifyRequest {
    /** The trace context of a client API call; null for admin and public routes. */
    gh: RequestContext | null;
  }
  interface FastifyContextConfig {
    /** Marks a client API route: its calls run the pipeline and are traced. */
    api?: string;
  }
}

/** The request pipeline over the services below it; each trace it records is also published as an event. */
async function pipeline(app: FastifyInstance): Promise<void> {
  const { secrets, log, clock, config, env } = app.runtime;
  const traces = exportingSink(publishingSink(app.store.writer, app.events), app.telemetry, {
    policy: app.policy.source,
    activeTier: config.tiers.active,
    bodies: config.telemetry?.otlp?.bodies ?? 'none',
  });
  // The bench's switch: where served requests' wall time goes, written to the file when the gateway closes.
  const marksFile = env.GATEHOUSE_WALL_MARKS;
  const wallMarks = marksFile ? createWallMarks(marksFile, Number(env.GATEHOUSE_WALL_MARKS_REQUESTS ?? 1000)) : null;
  if (wallMarks) app.addHook('onClose', async () => wallMarks.write());
  app.decorate('pipeline', createPipeline({ providers: app.providers, traces, secrets, clock, log, identity: app.identity, policy: app.policy, wallMarks }));
  app.decorateRequest('gh', null);
}

export const pipelinePlugin = fp(pipeline, {
  name: 'gatehouse-pipeline',
  dependencies: ['gatehouse-runtime', 'gatehouse-providers', 'gatehouse-identity', 'gatehouse-store', 'gatehouse-policy', 'gatehouse-events', 'gatehouse-telemetry'],
});
