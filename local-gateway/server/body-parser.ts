import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../core/errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../core/json-depth.js';

/**
 * Every body is read as JSON, whatever its content-type: `curl -d` sends JSON as form data,
 * `fetch` with a string body as text/plain. The text as received is kept on the trace context, so the trace stores the
 * body without serializing it again, and a body that is not JSON is still shown as sent.
 * Bytes that are not UTF-8 are refused: decoding would swap them for U+FFFD silently, and the
 * provider, the guardrails and the trace would each see something the client never sent.
 */
export function installBodyParser(app: FastifyInstance): void {
  // Fastify's own parser: it refuses `__proto__` and `constructor.prototype` keys.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const parser = (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const ctx = req.gh;
    // A BOM marks the encoding, it is not part of the JSON text (RFC 8259 §8.1 lets a parser ignore it).
    const decoded = typeof body === 'string' ? body : body.toString('utf8');
    const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
    if (ctx) ctx.requestText = text;
    if (typeof body !== 'string' && !isUtf8(body)) {
      if (ctx) ctx.requestIsJson = false;
      done(new GatehouseError('GH_ERR_INVALID_UTF8', 'The request body is not valid UTF-8: send the JSON encoded as UTF-8 (look for text pasted from a file in another encoding).'));
      return;
    }
    parseJson(req, text, (err: Error | null, value?: unknown) => {
      if (err === null && nestsDeeperThan(value)) {
        // Kept as text, so the trace holds the body flat and stays readable.
        if (ctx) ctx.requestIsJson = false;
        done(new GatehouseError('GH_ERR_JSON_TOO_DEEP', `The request body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays: flatten it (no real request needs more).`));
        return;
      }
      if (ctx) ctx.requestIsJson = err === null;
      done(err, value);
    });
  };
  // Fastify's own parsers would hand a text/plain body (what fetch sends for a string) over as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, parser);
}
