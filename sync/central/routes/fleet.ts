import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DEVICE_HEADER, EnrollRequestSchema, PATHS, RecordsBatchSchema, StatusReportSchema, type EnrollResponse, type PolicyResponse } from '../../protocol.js';
import type { Whoami } from '../../../local-gateway/identity/whoami.js';
import { uuidv7 } from '../../../local-gateway/core/ids.js';
import { attributeToPat } from '../attribution.js';
import { authenticatePat } from '../auth.js';
import { CentralError } from '../errors.js';
import type { DeviceRow, PatRow } from '../storage.js';
import { gunzipBody } from './http.js';

/** Decompressed bytes a records batch may have: 5,000 records with bodies fit well within it. */
export const RECORDS_BODY_LIMIT = 64 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The PAT a fleet call authenticated with. */
    pat: PatRow | null;
  }
}

/** The device endpoints, PAT as bearer: identity, enrollment, policy down, status and records up. */
export async function fleetRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { storage, signer, policies, clock } = app.central;
  app.decorateRequest('pat', null);
  // Records batches in flight on this replica. Past the limit a batch is refused first thing,
  // before its PAT is looked up or its body read, so a fleet reconnecting at once queues on
  // the devices (their backoff honours Retry-After, with jitter) instead of on this server's
  // memory and database connections. Counted from arrival to the end of the answer, not only
  // around the database call: a batch whose body is still being read, gunzipped or checked is
  // queued too, and with SQLite (whose ingest runs to completion in one turn) that wait is all
  // the queue there is.
  const { ingest } = app.central;
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST' || req.url.split('?')[0] !== PATHS.records) return;
    reply.raw.once('close', ingest.enter());
  });
  app.addHook('onRequest', async (req) => {
    req.pat = await authenticatePat(storage, req.headers);
  });
  const pat = (req: FastifyRequest) => req.pat!;

  /** The device, checked to be this PAT's. */
  async function ownDevice(req: FastifyRequest, id: string | undefined): Promise<DeviceRow> {
    if (!id) throw new CentralError('GH_ERR_INVALID_REQUEST', `Send the device id in the ${DEVICE_HEADER} header (the one enrollment returned).`);
    const device = await storage.device(id);
    if (!device) throw new CentralError('GH_ERR_UNKNOWN_DEVICE', `Device ${id} is not enrolled with this central gateway: enroll again with \`gatehouse enroll --central URL\`.`);
    if (device.patId !== pat(req).id) throw new CentralError('GH_ERR_DEVICE_FORBIDDEN', `Device ${id} was enrolled with another PAT: use that PAT, or enroll this device again with yours.`);
    return device;
  }

  const config = { public: true } as const;

  app.get(PATHS.whoami, { config }, async (req): Promise<Whoami> => ({ user: pat(req).user, team: pat(req).team, org: app.central.org() }));

  app.post(PATHS.enroll, { config, schema: { body: EnrollRequestSchema } }, async (req): Promise<EnrollResponse> => {
    const p = pat(req);
    const id = `dev_${uuidv7(clock())}`;
    await storage.enrollDevice({ id, patId: p.id, user: p.user, team: p.team, hostname: req.body.hostname, platform: req.body.platform, gatehouseVersion: req.body.gatehouse_version, enrolledAt: clock() });
    return { device_id: id, org: app.central.org(), signing_keys: signer.validKeys(), user: p.user, team: p.team };
  });

  app.get(PATHS.policy, { config }, async (req, reply) => {
    const device = await ownDevice(req, headerOf(req));
    await storage.touchDevice(device.id, clock());
    const latest = policies.latest();
    if (!latest) throw new CentralError('GH_ERR_NO_POLICY', 'No policy has been published yet: an org admin publishes one with `gatehouse central publish FILE`.');
    const endorsements = signer.endorsements();
    // Strong: it changes with the version, and with the endorsements a device must see (a rotation).
    const tag = `"v${latest.version}-${createHash('sha256').update([latest.keyId, ...endorsements.map((e) => `${e.endorsed_by}>${e.key.key_id}`)].join('\n')).digest('hex').slice(0, 16)}"`;
    reply.header('etag', tag).header('cache-control', 'no-cache');
    const match = req.headers['if-none-match'];
    if (match !== undefined && match.split(',').map((t) => t.trim()).includes(tag)) return reply.code(304).send();
    return { bundle: latest.bundle, signature: latest.signature, key_id: latest.keyId, version: latest.version, endorsements } satisfies PolicyResponse;
  });

  app.post(PATHS.status, { config, schema: { body: StatusReportSchema } }, async (req, reply) => {
    const device = await ownDevice(req, req.body.device_id);
    await storage.reportStatus(device.id, req.body, clock());
    return reply.code(204).send();
  });

  app.post(PATHS.records, { config, bodyLimit: RECORDS_BODY_LIMIT, preParsing: gunzipBody, schema: { body: RecordsBatchSchema } }, async (req) => {
    const device = await ownDevice(req, req.body.device_id);
    const { records, reattributed } = attributeToPat(req.body.records, pat(req));
    const ack = await storage.ingest(device.id, records, req.body.dropped, clock());
    if (reattributed > 0) {
      app.central.ingest.countReattributed(reattributed);
      app.central.log.warn('records named another user or team than their PAT\'s; stored under the PAT\'s', { device: device.id, records: reattributed });
    }
    return ack;
  });
}

function headerOf(req: FastifyRequest): string | undefined {
  const v = req.headers[DEVICE_HEADER];
  return Array.isArray(v) ? v[0] : v;
}
