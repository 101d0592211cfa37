/**
 * Bad answers the provider stand-ins share, picked by model name so a test can make any
 * provider kind answer badly through the gateway:
 * - `bad-shape`: 200 JSON in the provider's vocabulary with the wrong types (OpenAI's
 *   `{"choices":"nope"}`, Anthropic's `{"content":"nope"}`…);
 * - `alien-json`: 200 JSON that is no answer of the API at all;
 * - `not-json`: 200, `content-type: application/json`, and an HTML page as the body;
 * - `bad-sse`: a stream whose first event is good and whose second is cut off mid-JSON.
 * A stream asked for with any of the first three gets the JSON body (as servers that ignore
 * `stream` do).
 */
import type { ServerResponse } from 'node:http';
import { write } from './http-server.js';

export const BAD_ANSWERS = ['bad-shape', 'alien-json', 'not-json', 'bad-sse'] as const;
export type BadAnswer = (typeof BAD_ANSWERS)[number];

export const isBadAnswer = (model: string): model is BadAnswer => (BAD_ANSWERS as readonly string[]).includes(model);

export interface BadAnswerWire {
  /** A 200 body in the provider's vocabulary whose fields have the wrong types. */
  wrongShape: unknown;
  /** The stream's content type and one good event in the provider's framing. */
  stream: { contentType: string; good: string | Uint8Array; broken: string | Uint8Array };
}

/** Plays `model`'s bad answer if it names one; true when it answered. */
export async function playBadAnswer(res: ServerResponse, model: string, stream: boolean, wire: BadAnswerWire): Promise<boolean> {
  if (!isBadAnswer(model)) return false;
  if (model === 'bad-sse' && stream) {
    res.writeHead(200, { 'content-type': wire.stream.contentType, 'cache-control': 'no-cache' });
    await write(res, wire.stream.good);
    await write(res, wire.stream.broken);
    res.end();
    return true;
  }
  const body = model === 'not-json' ? '<html><body><h1>502 Bad Gateway</h1></body></html>' : JSON.stringify(model === 'alien-json' ? [1, 'two', { three: 3 }] : wire.wrongShape);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
  return true;
}

/** A `data:` line cut off mid-JSON, as a proxy that truncates events sends it. */
export const BROKEN_SSE = 'data: {"id":"x","choices":[{"index":0,"delta":{"content":"cut of\n\n';
