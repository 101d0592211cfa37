import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayStatusSchema } from '../admin/schemas.js';
import { GatehouseError } from '../core/errors.js';
import { TracePageSchema, TraceQuerySchema, TraceSchema } from '../store/schema.js';
import { VERSION } from '../core/version.js';
import { syncStatus } from './sync.js';

/** Admin API for the dashboard and scripts: same local token as the client API. */
export async function adminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const gw = app.gateway;
  const traces = async () => {
    await gw.writer.flush();
    return gw.traces;
  };

  // The pid lets a second `gatehouse start` or the desktop app tell the home lock's holder from another program on its port (core/home-lock.ts).
  app.get('/healthz', { config: { public: true } }, async () => ({ ok: true, pid: process.pid }));

  app.get('/api/traces', { schema: { querystring: TraceQuerySchema, response: { 200: TracePageSchema } } }, async (req) => (await traces()).list(req.query));

  app.get('/api/traces/:id', { schema: { params: z.object({ id: z.string().min(1) }), response: { 200: TraceSchema } } }, async (req) => {
    const trace = (await traces()).get(req.params.id);
    if (!trace) throw new GatehouseError('GH_ERR_NOT_FOUND', `No trace ${req.params.id}: list traces with GET /api/traces.`);
    return trace;
  });

  app.get('/api/status', { schema: { response: { 200: GatewayStatusSchema } } }, async () => ({
    version: VERSION,
    pid: process.pid,
    started_at: new Date(gw.startedAt).toISOString(),
    uptime_s: Math.round((Date.now() - gw.startedAt) / 1000),
    home: gw.home,
    config_file: gw.configFile,
    tier: gw.config.tiers,
    token_source: gw.tokenSource,
    identity: gw.identity.current(),
    sync: syncStatus(gw),
    providers: [...gw.providers.values()].map((p) => ({ id: p.id, kind: p.kind, apis: [...p.apis], models: [...p.models] })),
    store: (await traces()).stats(),
    telemetry: gw.telemetry?.status() ?? null,
    retention: gw.retention.status(),
    limits: app.policy.shared?.status() ?? null,
    memory_rss_bytes: process.memoryUsage.rss(),
  }));

  // `gatehouse keys set|rm` calls this, so a changed key or PAT applies without a restart.
  app.post('/api/keys/reload', async () => ({ identity: await gw.reloadSecrets() }));
}
