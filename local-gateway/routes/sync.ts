import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SyncCycleResultSchema, type SyncStatus } from '../admin/schemas.js';
import type { GatewayServices } from '../server/plugins/gateway.js';

/** What `GET /api/status` says under `sync`. */
export function syncStatus(gw: Pick<GatewayServices, 'policy' | 'sync' | 'outbox'>): SyncStatus {
  const p = gw.policy.source.current();
  return { ...gw.sync.status(), policy: { source: p.source, version: p.bundle?.version ?? null }, outbox: gw.outbox.status() };
}

/** `POST /api/sync`: one sync cycle now (what `gatehouse sync now` and `gatehouse enroll` call). */
export async function syncRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const gw = app.gateway;
  app.post('/api/sync', { schema: { response: { 200: SyncCycleResultSchema } } }, async () => gw.sync.runOnce());
}
