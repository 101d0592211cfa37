import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreatePatRequestSchema, PATHS, RecordsQuerySchema, UsageQuerySchema,
  type FleetView, type RotateKeyResponseSchema, type CreatePatResponseSchema, type PublishResponseSchema, type RecordsPageSchema, type UsageAnswerSchema,
} from '../../protocol.js';
import { adminChecker, patHash } from '../auth.js';
import { CentralError } from '../errors.js';
import { deviceState } from '../services.js';
import { REPLICA_PLATFORM, type UsageDimension } from '../storage.js';

/** `since`/`until` as ISO time or Unix ms. */
function timeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(t)) throw new CentralError('GH_ERR_INVALID_QUERY', `Query parameter ${name} "${value}" is not a time: use ISO 8601 (2026-05-01T00:00:00Z) or Unix milliseconds.`);
  return t;
}

const PatParamsSchema = z.object({ id: z.string().min(1) });
const RotateQuerySchema = z.object({ overlap_hours: z.coerce.number().min(0).max(24 * 365).optional() });

/** The org admin's API, admin token as bearer: PATs, publishing, key rotation, the fleet view, records and usage. */
export async function adminRoutes(fastify: FastifyInstance, opts: { adminToken: string }): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { storage, signer, policies, clock, pollIntervalMs } = app.central;
  const checkAdmin = adminChecker(opts.adminToken);
  app.addHook('onRequest', async (req) => checkAdmin(req.headers));
  const config = { public: true } as const;

  app.post(PATHS.adminPats, { config, schema: { body: CreatePatRequestSchema } }, async (req): Promise<z.infer<typeof CreatePatResponseSchema>> => {
    const pat = `gh_pat_${randomBytes(32).toString('base64url')}`;
    const id = `pat_${randomBytes(8).toString('hex')}`;
    await storage.createPat({ id, sha256: patHash(pat), user: req.body.user, team: req.body.team, createdAt: clock(), revokedAt: null });
    return { pat, pat_id: id, user: req.body.user, team: req.body.team };
  });

  app.delete(PATHS.adminPat, { config, schema: { params: PatParamsSchema } }, async (req, reply) => {
    if (!(await storage.revokePat(req.params.id, clock()))) throw new CentralError('GH_ERR_NOT_FOUND', `No PAT ${req.params.id}: the pat_id is what POST ${PATHS.adminPats} answered.`);
    return reply.code(204).send();
  });

  app.post(PATHS.adminPolicies, { config: { ...config, rawText: true } }, async (req): Promise<z.infer<typeof PublishResponseSchema>> => {
    if (typeof req.body !== 'string' || req.body.trim() === '') throw new CentralError('GH_ERR_INVALID_POLICY', 'The body is empty: send the bundle as YAML or JSON text.');
    return policies.publish(req.body);
  });

  app.post(PATHS.adminKeysRotate, { config, schema: { querystring: RotateQuerySchema } }, async (req): Promise<z.infer<typeof RotateKeyResponseSchema>> => {
    const overlap = req.query.overlap_hours === undefined ? app.central.keyOverlapMs : req.query.overlap_hours * 3600_000;
    let resigned = null as ReturnType<typeof policies.resigned>;
    const answer = await signer.rotate(overlap, (next) => (resigned = policies.resigned(next)));
    if (resigned) policies.adopt(resigned);
    return answer;
  });

  app.get(PATHS.adminFleet, { config }, async (): Promise<FleetView> => {
    const latest = policies.latest()?.version ?? null;
    const now = clock();
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const rows = await storage.fleet();
    const devices = rows.filter((d) => d.platform !== REPLICA_PLATFORM).map((d) => ({
      device_id: d.id,
      user: d.user,
      team: d.team,
      hostname: d.hostname,
      applied_version: d.appliedVersion,
      rejected_version: d.rejectedVersion,
      last_error: d.lastError,
      last_seen: iso(d.lastSeen),
      state: deviceState(d, latest, now, pollIntervalMs),
      records: d.records,
      gaps: d.gaps,
    }));
    const replicas = rows.filter((d) => d.platform === REPLICA_PLATFORM).map((d) => ({
      replica_id: d.id, hostname: d.hostname, gatehouse_version: d.gatehouseVersion, last_seen: iso(d.lastSeen), records: d.records, gaps: d.gaps,
    }));
    const own = app.sync.outbox.status();
    const outbox = { depth: own.depth, oldest_at: iso(own.oldest_at), last_sent_at: own.last_sent_at, last_error: own.last_error };
    return { latest_version: latest, devices, replicas, answered_by: { replica_id: app.central.replicaId, outbox } };
  });

  app.get(PATHS.adminRecords, { config, schema: { querystring: RecordsQuerySchema } }, async (req): Promise<z.infer<typeof RecordsPageSchema>> => {
    const { device, since, cursor, limit } = req.query;
    if (cursor !== undefined && !/^\d+$/.test(cursor)) throw new CentralError('GH_ERR_INVALID_QUERY', 'Query parameter cursor is not one this server gave: pass the next_cursor of the previous page.');
    const page = await storage.records({ device, since: timeParam('since', since), cursor, limit });
    return {
      records: page.records.map((r) => ({ ...r.record, device_id: r.deviceId, received_at: new Date(r.receivedAt).toISOString() })),
      next_cursor: page.nextCursor,
    };
  });

  app.get(PATHS.adminUsage, { config, schema: { querystring: UsageQuerySchema } }, async (req): Promise<z.infer<typeof UsageAnswerSchema>> => {
    const by = req.query.by as UsageDimension;
    const rows = await storage.usage({ by, since: timeParam('since', req.query.since), until: timeParam('until', req.query.until) });
    return { by, rows };
  });
}
