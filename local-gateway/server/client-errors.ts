import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBodyFor } from '../apis/index.js';
import { GatehouseError } from '../core/errors.js';

/**
 * Refusals made before a route runs: by Node's HTTP parser (headers too large, broken
 * framing) and by Fastify's router (a path parameter too long). Fastify would answer these
 * in its own shape; a client reads only its API's, so they are rendered like every other
 * refusal. The API comes from the path, as the routes declare it.
 */
function apiOfPath(path: string): string | undefined {
  if (path.startsWith('/v1/messages/count_tokens')) return 'messages.count_tokens';
  if (path.startsWith('/v1/messages')) return 'messages';
  return undefined;
}

/** What a request that the parser gave up on said about itself, read from the bytes it got. */
function callerOfPacket(packet: Buffer | undefined): { path: string; headers: IncomingHttpHeaders } {
  if (!packet) return { path: '', headers: {} };
  // Only the start matters: the request line, and whether an Anthropic client sent it.
  const head = packet.subarray(0, 4096).toString('latin1');
  const path = /^[A-Z]+ (\S+) HTTP\//.exec(head)?.[1] ?? '';
  const headers: IncomingHttpHeaders = /\r\nanthropic-version:/i.test(head) ? { 'anthropic-version': '' } : {};
  return { path, headers };
}

function parserError(code: string | undefined): GatehouseError {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new GatehouseError('GH_ERR_HEADERS_TOO_LARGE', 'The request headers are too large: send less in headers (metadata, cookies), at most 16 KiB in all.');
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return new GatehouseError('GH_ERR_CLIENT_TIMEOUT', 'The request was not received in time: send the headers and body without pausing.');
  }
  return new GatehouseError('GH_ERR_BAD_HTTP', `The request is not valid HTTP/1.1 (${code ?? 'parse error'}): check the client's chunked encoding and content-length.`);
}

/** The request a connection is serving, kept so a parse error in its body is answered in its API's shape. */
export interface InFlight {
  path: string;
  headers: IncomingHttpHeaders;
  res: ServerResponse;
}

/** Gatehouse's `clientErrorHandler`; `inFlight` maps a connection to the request it is reading. */
export function clientErrorHandler(inFlight: WeakMap<Socket, InFlight>) {
  // Fastify types rawPacket as its JSON form; Node hands over the Buffer.
  return (err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A finished request's entry is stale: a keep-alive connection's next request failed before Fastify saw it.
    const current = inFlight.get(socket);
    const live = current && !current.res.writableEnded ? current : undefined;
    const caller = live ?? callerOfPacket(Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined);
    const error = parserError(err.code);
    // A response already under way cannot be replaced by another one.
    if (socket.writable && !live?.res.headersSent) {
      const body = JSON.stringify(errorBodyFor(apiOfPath(caller.path), error, caller.headers));
      socket.write(`HTTP/1.1 ${error.statusCode} ${STATUS_TEXT[error.statusCode] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    }
    socket.destroy(err);
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Gatehouse's `frameworkErrors`: the router's refusals (bad URL encoding, a path parameter too long). */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const error =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new GatehouseError('GH_ERR_URI_TOO_LONG', 'A path segment is too long: trace ids and names in the URL are at most 100 characters.')
      : new GatehouseError('GH_ERR_INVALID_REQUEST', 'The URL is not validly percent-encoded: encode path segments with encodeURIComponent.');
  const path = req.url.split('?')[0]!;
  void reply.code(error.statusCode).send(errorBodyFor(apiOfPath(path), error, req.headers));
}
