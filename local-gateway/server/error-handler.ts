import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CLIENT_ROUTES, errorBodyFor } from '../apis/index.js';
import { GatehouseError } from '../core/errors.js';
import { gatehouseHeaders } from '../pipeline/index.js';

const INVALID_JSON = 'The request body is not valid JSON: send one JSON object (look for a cut-off body, unquoted keys or a trailing comma).';

/** Maps anything thrown while serving a request to the coded catalogue. */
export function toGatehouseError(err: FastifyError | Error, limitMb: number): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext === 'querystring' ? 'query parameter' : 'field';
    const details = err.validation.map((v) => `${where} ${v.instancePath.slice(1).replaceAll('/', '.') || '(body)'}: ${v.message}`);
    const param = err.validation[0]?.instancePath.slice(1).replaceAll('/', '.') || null;
    const code = err.validationContext === 'querystring' ? 'GH_ERR_INVALID_QUERY' : 'GH_ERR_INVALID_REQUEST';
    return new GatehouseError(code, `Invalid request: ${details.join('; ')}.`, { param });
  }
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatehouseError('GH_ERR_INVALID_JSON', 'The request body is empty: send one JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatehouseError('GH_ERR_INVALID_JSON', INVALID_JSON);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatehouseError('GH_ERR_BODY_TOO_LARGE', `The request body is larger than ${limitMb} MiB: trim the context, or raise limits.body_mb in gatehouse.yaml.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatehouseError('GH_ERR_UNSUPPORTED_MEDIA_TYPE', `Unsupported content-type: send the body as JSON with content-type: application/json.`);
  }
  if (err instanceof SyntaxError || (err as FastifyError).statusCode === 400) return new GatehouseError('GH_ERR_INVALID_JSON', INVALID_JSON);
  return new GatehouseError('GH_ERR_INTERNAL', `Gatehouse failed unexpectedly (${err.message}); the trace has the details. Please report it.`, { cause: err });
}

/** One handler renders every error in the caller's API shape and traces it when it was a client call. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(async (raw: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const err = toGatehouseError(raw, app.gateway.config.limits.body_mb);
    if (err.code === 'GH_ERR_INTERNAL') app.gateway.log.error('internal error', { route: req.url.split('?')[0], err: String(raw.stack ?? raw) });
    const ctx = req.gh;
    if (ctx) {
      app.gateway.pipeline.fail(ctx, err);
    }
    if (reply.sent || reply.raw.destroyed) return reply;
    return reply
      .code(err.statusCode)
      .headers({ ...(ctx ? gatehouseHeaders(ctx) : {}), ...err.headers })
      .send(errorBodyFor(req.routeOptions.config.api, err, req.headers));
  });

  app.setNotFoundHandler((req, reply) => {
    const err = new GatehouseError(
      'GH_ERR_NOT_FOUND',
      `No route ${req.method} ${req.url.split('?')[0]}: Gatehouse serves ${CLIENT_ROUTES.join(', ')}, the admin API under /api and the dashboard at /ui/.`,
    );
    reply.code(err.statusCode).send(errorBodyFor(undefined, err, req.headers));
  });
}
