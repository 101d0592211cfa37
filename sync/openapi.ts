import { z } from 'zod';
import { DEVICE_HEADER, PATHS, PROTOCOL_SCHEMAS } from './protocol.js';

/**
 * The OpenAPI 3.1 document of the sync protocol, generated from the zod schemas in
 * `protocol.ts` so it cannot drift from what either side parses. `npm run docs:openapi`
 * writes it to `docs/reference/sync-openapi.json`; a test fails when the committed copy is stale.
 */

type SchemaName = keyof typeof PROTOCOL_SCHEMAS;
type Auth = 'pat' | 'admin';

interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  auth: Auth;
  /** A JSON body of this schema; `text` for the YAML/JSON policy text. */
  body?: SchemaName | 'policy-text';
  /** Status → schema of a JSON answer, `prometheus-text` for `/metrics`, or null for an answer without a body. */
  responses: Record<number, SchemaName | 'prometheus-text' | null>;
  query?: z.ZodObject;
  device?: boolean;
}

const ERRORS = { 400: 'SyncError', 401: 'SyncError' } as const;

const OPERATIONS: Operation[] = [
  { method: 'get', path: PATHS.whoami, summary: 'Who the PAT belongs to', auth: 'pat', responses: { 200: 'Whoami', ...ERRORS } },
  { method: 'post', path: PATHS.enroll, summary: 'Enroll a device: its id and the signing keys to pin', auth: 'pat', body: 'EnrollRequest', responses: { 200: 'EnrollResponse', ...ERRORS } },
  {
    method: 'get',
    path: PATHS.policy,
    summary: 'The latest signed policy bundle; 304 when If-None-Match matches its ETag',
    auth: 'pat',
    device: true,
    responses: { 200: 'PolicyResponse', 304: null, ...ERRORS, 404: 'SyncError' },
  },
  { method: 'post', path: PATHS.status, summary: 'ACK the applied version or NACK a refused one', auth: 'pat', body: 'StatusReport', responses: { 204: null, ...ERRORS, 404: 'SyncError' } },
  {
    method: 'post',
    path: PATHS.records,
    summary: 'A batch of outbox records (gzip allowed); deduplicated by record_id',
    auth: 'pat',
    body: 'RecordsBatch',
    responses: { 200: 'RecordsAck', ...ERRORS, 403: 'SyncError', 413: 'SyncError', 429: 'SyncError', 503: 'SyncError' },
  },
  { method: 'post', path: PATHS.adminPats, summary: 'Create a PAT (shown once, stored hashed)', auth: 'admin', body: 'CreatePatRequest', responses: { 200: 'CreatePatResponse', ...ERRORS } },
  { method: 'delete', path: PATHS.adminPat, summary: 'Revoke a PAT', auth: 'admin', responses: { 204: null, ...ERRORS, 404: 'SyncError' } },
  {
    method: 'post',
    path: PATHS.adminPolicies,
    summary: 'Publish a policy bundle: validated, given the next version, signed',
    auth: 'admin',
    body: 'policy-text',
    responses: { 200: 'PublishResponse', ...ERRORS },
  },
  { method: 'post', path: PATHS.adminKeysRotate, summary: 'Rotate the signing key (the old one overlaps for a while)', auth: 'admin', responses: { 200: 'RotateKeyResponse', ...ERRORS } },
  { method: 'get', path: PATHS.adminFleet, summary: 'Every device: applied version, last seen, SYNCED/STALE/REJECTED/NEVER', auth: 'admin', responses: { 200: 'FleetView', ...ERRORS } },
  {
    method: 'get',
    path: PATHS.adminRecords,
    summary: 'Stored records, oldest first',
    auth: 'admin',
    query: z.object({ device: z.string().optional(), since: z.string().optional(), limit: z.number().int().optional(), cursor: z.string().optional() }),
    responses: { 200: 'RecordsPage', ...ERRORS },
  },
  {
    method: 'get',
    path: PATHS.adminUsage,
    summary: 'Requests, tokens, cost and blocks grouped by user, team, model, day or a metadata key',
    auth: 'admin',
    query: z.object({ by: z.string(), since: z.string().optional(), until: z.string().optional() }),
    responses: { 200: 'UsageAnswer', ...ERRORS },
  },
  {
    method: 'get',
    path: PATHS.metrics,
    summary: 'Prometheus metrics of this replica: ingest in flight and refused, the policy version, the shared limit store (on its local share or not)',
    auth: 'admin',
    responses: { 200: 'prometheus-text', ...ERRORS },
  },
];

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

function components(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(PROTOCOL_SCHEMAS)) {
    // The input form: what a sender may send (defaults are optional on the wire).
    const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    out[name] = json;
  }
  return out;
}

function operation(op: Operation): Record<string, unknown> {
  const parameters: unknown[] = [];
  if (op.device) parameters.push({ name: DEVICE_HEADER, in: 'header', required: true, schema: { type: 'string' } });
  if (op.path === PATHS.policy) parameters.push({ name: 'if-none-match', in: 'header', required: false, schema: { type: 'string' } });
  for (const name of op.path.match(/:(\w+)/g) ?? []) parameters.push({ name: name.slice(1), in: 'path', required: true, schema: { type: 'string' } });
  if (op.query) {
    for (const [name, schema] of Object.entries(op.query.shape)) {
      const { $schema: _drop, ...json } = z.toJSONSchema(schema as z.ZodType) as Record<string, unknown>;
      parameters.push({ name, in: 'query', required: !(schema as z.ZodType).safeParse(undefined).success, schema: json });
    }
  }
  const responses: Record<string, unknown> = {};
  for (const [status, name] of Object.entries(op.responses)) {
    const description = describe(Number(status));
    responses[status] = name === null ? { description }
      : name === 'prometheus-text' ? { description, content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } }
      : { description, content: { 'application/json': { schema: ref(name) } } };
  }
  return {
    summary: op.summary,
    security: [{ [op.auth === 'pat' ? 'pat' : 'adminToken']: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body === 'policy-text'
      ? { requestBody: { required: true, content: { 'application/yaml': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } } }
      : op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }
        : {}),
    responses,
  };
}

function describe(status: number): string {
  const texts: Record<number, string> = {
    200: 'OK',
    204: 'Done',
    304: 'Not modified: the device has this version',
    400: 'Bad input: the message names the field',
    401: 'Missing, unknown or revoked credential',
    403: 'The credential may not act on this device',
    404: 'Not found',
    413: 'Body too large',
    429: 'Slow down: honour Retry-After',
    503: 'Unavailable: retry after Retry-After',
  };
  return texts[status] ?? String(status);
}

/** The whole document, as `docs/reference/sync-openapi.json` holds it. */
export function syncOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[op.method] = operation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse sync protocol',
      version,
      description: 'Between a device (the local gateway) and the central gateway: policy down, records up. Generated from sync/protocol.ts.',
    },
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        pat: { type: 'http', scheme: 'bearer', description: "The developer's personal access token (gatehouse enroll)" },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The central gateway admin token (GATEHOUSE_ADMIN_TOKEN)' },
      },
    },
  };
}
