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
  // Fastify's own parser: it refuses `__proto__` and `constructor.prototype` keys. It finds them
  // with two regular expressions over the whole text (~70 µs on a 60 KB agent body), so it only
  // runs for a body that a walk of the parsed value (a few µs) cannot pass: its errors stay Fastify's.
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
    const plain = plainJson(text);
    if (plain !== NOT_PLAIN) {
      if (ctx) ctx.requestIsJson = true;
      done(null, plain);
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

const NOT_PLAIN = Symbol('not plain JSON');

/**
 * The parsed body when it is JSON that needs no other look: no key that reaches a prototype,
 * and no deeper than MAX_JSON_DEPTH. Anything else (not JSON, empty, too deep, a poisoned key)
 * is NOT_PLAIN, and goes the full way for its coded error.
 */
function plainJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_PLAIN;
  }
  return isPlain(value, 1) ? value : NOT_PLAIN;
}

function isPlain(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth > MAX_JSON_DEPTH) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x === 'object' && x !== null && !isPlain(x, depth + 1)) return false;
    return true;
  }
  const o = v as Record<string, unknown>;
  // The same keys secure-json-parse refuses: an own `__proto__`, or a `constructor` object with a `prototype`.
  if (Object.hasOwn(o, '__proto__')) return false;
  const ctor = Object.hasOwn(o, 'constructor') ? o.constructor : null;
  if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return false;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'object' && x !== null && !isPlain(x, depth + 1)) return false;
  }
  return true;
}
