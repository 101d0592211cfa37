/**
 * Stand-in for api.anthropic.com: a real node:http server on 127.0.0.1 speaking the Messages
 * wire format (`POST /v1/messages`, `/v1/messages/count_tokens`, `GET /v1/models`), used as
 * the upstream provider by the gateway's tests and the bench. It requires the key (when given
 * one; as `x-api-key` or a bearer) and `anthropic-version`, like the real API.
 *
 * Scenarios by `model`: `tool-use` (text, then a get_weather call streamed as
 * input_json_delta), `thinking` (a signed thinking block, then text), `max-tokens`,
 * `overloaded-in-stream` (an `overloaded_error` event after the first delta, then the end),
 * `cut-stream` (the connection drops after the first delta), `bash-then-answer` (an agent
 * turn: a Bash tool call, then, once the result is sent back, "tool said: <result>"), `matrix-text` and `matrix-tool` (see `matrix-scenario.ts`), `rate-limit` (429 with
 * retry-after), `overloaded` (529), `bad-request` (400), and the bad answers of `bad-answers.ts`. Any other model echoes the last user
 * turn. Every response's exact bytes are kept in `sent` of its recorded request.
 *
 * Run directly (`tsx test/standins/anthropic-upstream.ts --port 0`) it prints one line
 * `listening <url>` and records nothing.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { runIfMain } from './cli.js';
import { closeServer, listenLoopback, readBody } from './http-server.js';
import { playBadAnswer, type BadAnswerWire } from './bad-answers.js';
import { anthropicId, errorBody, inputTokens, messageBody, modelsBody, replyBlocks, sse, stopReasonFor, streamEvents, usageFor } from './anthropic-wire.js';

export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The body text exactly as received. */
  text: string;
  /** The response body exactly as sent. */
  sent: string;
}

export interface AnthropicStandin {
  /** Base URL without `/v1`, as Anthropic's SDKs take it, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  requests: RecordedAnthropicRequest[];
  close(): Promise<void>;
}

export interface AnthropicStandinOptions {
  port?: number;
  apiKey?: string;
  record?: boolean;
}

export async function startAnthropicStandin(opts: AnthropicStandinOptions = {}): Promise<AnthropicStandin> {
  const requests: RecordedAnthropicRequest[] = [];
  const record = opts.record ?? true;
  const server = createServer((req, res) => {
    handle(req, res, opts.apiKey, record ? requests : null).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody('api_error', `stand-in failure: ${String(err)}`), null);
      else res.destroy();
    });
  });
  const port = await listenLoopback(server, opts.port ?? 0);
  return { url: `http://127.0.0.1:${port}`, port, requests, close: () => closeServer(server) };
}

function sendJson(res: ServerResponse, status: number, body: unknown, rec: RecordedAnthropicRequest | null, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  if (rec) rec.sent = payload;
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': anthropicId('req_011C'), 'anthropic-organization-id': 'standin-org', ...headers });
  res.end(payload);
}

async function handle(req: IncomingMessage, res: ServerResponse, apiKey: string | undefined, requests: RecordedAnthropicRequest[] | null): Promise<void> {
  const text = await readBody(req);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Recorded as text; answered below.
  }
  const rec: RecordedAnthropicRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, text, sent: '' };
  requests?.push(rec);
  // Anthropic takes the key as x-api-key (Claude Code, older SDKs) or as a bearer (SDK 1.x).
  const presented = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
  if (apiKey !== undefined && presented !== apiKey) return sendJson(res, 401, errorBody('authentication_error', 'invalid x-api-key'), rec);
  if (!req.headers['anthropic-version']) return sendJson(res, 400, errorBody('invalid_request_error', 'anthropic-version: header is required'), rec);
  if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, modelsBody(), rec);
  if (typeof body !== 'object' || body === null) return sendJson(res, 400, errorBody('invalid_request_error', 'There was an issue with your request body: not JSON.'), rec);
  const b = body as Record<string, unknown>;
  if (req.method === 'POST' && (await playBadAnswer(res, String(b.model ?? ''), b.stream === true, badWire(path)))) return;
  if (req.method === 'POST' && path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: inputTokens(b) }, rec);
  if (req.method === 'POST' && path === '/v1/messages') return messages(res, b, text, rec);
  sendJson(res, 404, errorBody('not_found_error', `Not found: ${req.method} ${path}`), rec);
}

/** The bad answers (`bad-answers.ts`) in the Messages wire format. */
function badWire(path: string): BadAnswerWire {
  const start = { type: 'message_start', message: { id: 'msg_bad', type: 'message', role: 'assistant', model: 'bad-sse', content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } };
  return {
    wrongShape: path === '/v1/messages/count_tokens' ? { input_tokens: 'nope' } : { id: 'msg_bad', type: 'message', role: 'assistant', content: 'nope' },
    stream: {
      contentType: 'text/event-stream; charset=utf-8',
      good: `event: message_start\ndata: ${JSON.stringify(start)}\n\n`,
      broken: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut of\n\n',
    },
  };
}

function scenarioError(res: ServerResponse, model: string, rec: RecordedAnthropicRequest): boolean {
  if (model === 'rate-limit') sendJson(res, 429, errorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'), rec, { 'retry-after': '7' });
  else if (model === 'overloaded') sendJson(res, 529, errorBody('overloaded_error', 'Overloaded'), rec);
  else if (model === 'bad-request') sendJson(res, 400, errorBody('invalid_request_error', 'messages: the stand-in was asked to refuse this request'), rec);
  else return false;
  return true;
}

async function messages(res: ServerResponse, b: Record<string, unknown>, text: string, rec: RecordedAnthropicRequest): Promise<void> {
  const model = typeof b.model === 'string' ? b.model : '';
  if (!model) return sendJson(res, 400, errorBody('invalid_request_error', 'model: Field required'), rec);
  if (typeof b.max_tokens !== 'number') return sendJson(res, 400, errorBody('invalid_request_error', 'max_tokens: Field required'), rec);
  if (!Array.isArray(b.messages)) return sendJson(res, 400, errorBody('invalid_request_error', 'messages: Field required'), rec);
  if (scenarioError(res, model, rec)) return;
  const blocks = replyBlocks(model, b.messages as Record<string, unknown>[]);
  const usage = usageFor(text, b, blocks);
  const id = anthropicId('msg_01');
  const stop = stopReasonFor(model, blocks);
  if (b.stream !== true) return sendJson(res, 200, messageBody(id, model, blocks, stop, usage), rec);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': anthropicId('req_011C') });
  let events = streamEvents(id, model, blocks, stop, usage);
  if (model === 'overloaded-in-stream' || model === 'cut-stream') {
    // message_start, ping, the first block's start and first delta; then the failure.
    events = events.slice(0, 4);
    if (model === 'overloaded-in-stream') events.push(sse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
  }
  for (const ev of events) {
    if (res.destroyed) return;
    rec.sent += ev;
    await new Promise<void>((resolve) => res.write(ev, () => resolve()));
  }
  if (model === 'cut-stream') return void res.destroy();
  res.end();
}

await runIfMain(import.meta.url, (port) => startAnthropicStandin({ port, record: false }));
