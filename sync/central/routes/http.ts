import { createGunzip } from 'node:zlib';
import { Transform, type Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { GatehouseError } from '../../../local-gateway/core/errors.js';
import { CENTRAL_ERRORS, CentralError } from '../errors.js';

/** Content types a policy bundle may be posted as: YAML or JSON text. */
const BUNDLE_TYPES = new Set(['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain', 'application/json']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The central route's body is text as sent (a policy bundle), not JSON. */
    rawText?: boolean;
  }
}

/**
 * Bodies of the central's own routes: JSON whatever the content-type (as the gateway's
 * parser), except a bundle route, which takes the text as sent. Encapsulated in the central's
 * plugin, so the gateway's client API parser is untouched.
 */
export function installCentralParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (!req.routeOptions.config.rawText) return parseJson(req, text, done);
    const type = (req.headers['content-type'] ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
    if (!BUNDLE_TYPES.has(type)) {
      return done(new CentralError('GH_ERR_UNSUPPORTED_MEDIA_TYPE', `A bundle is YAML or JSON text: send it as text/yaml, application/yaml, text/plain or application/json, not ${type}.`));
    }
    done(null, text);
  });
}

/**
 * Decompresses a `content-encoding: gzip` body before it is parsed. The route's body limit
 * then counts decompressed bytes (a gzip bomb stops at the limit with a 413); the compressed
 * count is what Fastify checks against content-length.
 */
export async function gunzipBody(req: FastifyRequest, _reply: FastifyReply, payload: Readable): Promise<Readable> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return payload;
  if (encoding !== 'gzip') throw new CentralError('GH_ERR_UNSUPPORTED_ENCODING', `content-encoding ${encoding} is not supported: send the batch as gzip or uncompressed.`);
  let encoded = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      encoded += chunk.length;
      cb(null, chunk);
    },
  });
  const gunzip = createGunzip();
  const out = payload.pipe(counter).pipe(gunzip) as Readable & { receivedEncodedLength?: number };
  // Fastify compares this with content-length once the stream ends.
  gunzip.on('data', () => (out.receivedEncodedLength = encoded));
  gunzip.on('end', () => (out.receivedEncodedLength = encoded));
  gunzip.on('error', () => {});
  payload.on('error', (err) => gunzip.destroy(err));
  return out;
}

const INVALID_JSON = 'The request body is not valid JSON: send one JSON object (look for a cut-off body, unquoted keys or a trailing comma).';

/** Maps what a central route threw to the coded catalogue: a client's mistake is never a 500. */
export function toCentralError(err: FastifyError | Error, limitMb: number): CentralError {
  if (err instanceof CentralError) return err;
  if (err instanceof GatehouseError) {
    const code = err.code in CENTRAL_ERRORS ? (err.code as keyof typeof CENTRAL_ERRORS) : err.statusCode < 500 ? 'GH_ERR_INVALID_REQUEST' : 'GH_ERR_INTERNAL';
    return new CentralError(code, err.message);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const query = err.validationContext === 'querystring';
    const where = query ? 'query parameter' : 'field';
    const details = err.validation.map((v) => `${where} ${v.instancePath.slice(1).replaceAll('/', '.') || '(body)'}: ${v.message}`);
    return new CentralError(query ? 'GH_ERR_INVALID_QUERY' : 'GH_ERR_INVALID_REQUEST', `Invalid request: ${details.slice(0, 10).join('; ')}.`);
  }
  const fst = err as FastifyError;
  switch (fst.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new CentralError('GH_ERR_INVALID_JSON', 'The request body is empty: send one JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new CentralError('GH_ERR_INVALID_JSON', INVALID_JSON);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CentralError('GH_ERR_BODY_TOO_LARGE', `The request body is larger than ${limitMb} MiB (decompressed): send smaller batches.`);
  }
  if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) return new CentralError('GH_ERR_INVALID_REQUEST', 'The body is not valid gzip: compress the whole batch, or drop content-encoding.');
  if (err instanceof SyntaxError || (fst.statusCode !== undefined && fst.statusCode >= 400 && fst.statusCode < 500)) return new CentralError('GH_ERR_INVALID_JSON', INVALID_JSON);
  if (isStorageOutage(err)) {
    const e = new CentralError('GH_ERR_STORAGE_UNAVAILABLE', 'The central gateway cannot reach its database right now; nothing was stored: retry after the Retry-After seconds.');
    e.retryAfterS = 5;
    return e;
  }
  return new CentralError('GH_ERR_INTERNAL', `The central gateway failed unexpectedly (${err.message}): see its log.`);
}

/**
 * A database outage rather than a bug: a refused or dropped connection, an administrator's
 * termination (SQLSTATE 57P), connection exceptions (08), resource limits (53), a deadlock
 * still losing after retries (40P01). The transaction rolled back, so a retry is safe.
 */
function isStorageOutage(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(08|53|57P)/.test(code) || code === '40P01' || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code))) return true;
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(err.message);
}
