import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Every body is read as JSON, whatever its content-type: `curl -d` sends JSON as form data,
 * `fetch` with a string body as text/plain. The text as received is kept on the trace context, so the trace stores the
 * body without serializing it again, and a body that is not JSON is still shown as sent.
 */
export function installBodyParser(app: FastifyInstance): void {
  // Fastify's own parser: it refuses `__proto__` and `constructor.prototype` keys.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const parser = (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const ctx = req.gh;
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (ctx) ctx.requestText = text;
    parseJson(req, text, (err: Error | null, value?: unknown) => {
      if (ctx) ctx.requestIsJson = err === null;
      done(err, value);
    });
  };
  // Fastify's own parsers would hand a text/plain body (what fetch sends for a string) over as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parser);
}
