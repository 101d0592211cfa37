import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { settingsView } from '../admin/settings.js';
import { SettingsSchema, TimelineQuerySchema, TimelineSchema, UsageQuerySchema } from '../admin/schemas.js';
import { usageCsv, usageFilename, usageReport } from '../admin/usage.js';
import { parseSince } from '../store/query.js';

/** The prod-preview chart's window when the caller names none. */
const DEFAULT_TIMELINE_MS = 24 * 3600_000;

/** What the dashboard's usage, prod-preview and settings views read. */
export async function dashboardRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const gw = app.gateway;

  // No response schema: the same route answers JSON or CSV; the JSON is a UsageReport by type.
  app.get('/api/usage', { schema: { querystring: UsageQuerySchema } }, async (req, reply) => {
    await gw.writer.flush();
    const report = usageReport(gw.traces, req.query);
    if (req.query.format === 'json') return report;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${usageFilename(report)}"`)
      .send(usageCsv(report));
  });

  app.get('/api/shadow/timeline', { schema: { querystring: TimelineQuerySchema, response: { 200: TimelineSchema } } }, async (req) => {
    const since = req.query.since === undefined ? Date.now() - DEFAULT_TIMELINE_MS : parseSince(req.query.since);
    const tier = req.query.tier ?? gw.config.tiers.shadow[0] ?? gw.config.tiers.active;
    await gw.writer.flush();
    return { since: new Date(since).toISOString(), interval: req.query.interval, tier, series: gw.traces.verdicts.timeline(since, tier, req.query.interval) };
  });

  app.get('/api/settings', { schema: { response: { 200: SettingsSchema } } }, async (req) => settingsView(gw, `http://${req.headers.host ?? '127.0.0.1'}`));
}
