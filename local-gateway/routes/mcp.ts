import type { FastifyError, FastifyInstance } from 'fastify';
import { toGatehouseError } from '../server/error-handler.js';

/**
 * `/mcp`: the MCP gateway, Streamable HTTP. The security hook has checked the Host, the
 * Origin and the local token before this runs; refusals here are JSON-RPC errors, the shape
 * an MCP client reads.
 */
export async function mcpRoutes(app: FastifyInstance): Promise<void> {
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    errorHandler: (raw: FastifyError, _req, reply) => {
      const err = toGatehouseError(raw, app.gateway.config.limits.body_mb);
      const code = err.code === 'GH_ERR_INVALID_JSON' || err.code === 'GH_ERR_INVALID_UTF8' ? -32700 : err.statusCode === 401 || err.statusCode === 403 ? -32001 : -32600;
      return reply.code(err.statusCode).send({ jsonrpc: '2.0', id: null, error: { code, message: err.message, data: { gatehouse_code: err.code } } });
    },
    handler: async (req, reply) => {
      const abort = new AbortController();
      // The client hanging up cancels its open exchange (and any tool call it is waiting for).
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      // The body goes over already parsed (the SDK reads `parsedBody` and never the request's own), so it is not serialized again.
      const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}/mcp`, { method: req.method, headers, signal: abort.signal });
      const { front } = await app.mcp.load();
      const answer = await front.handle(request, req.body, req.headers);
      if (answer instanceof Response) return reply.send(answer);
      // Written with its length in one go (a web Response body would be streamed chunk by chunk).
      reply.code(answer.status);
      answer.headers.forEach((v, k) => void reply.header(k, v));
      return reply.send(answer.json);
    },
  });
}
