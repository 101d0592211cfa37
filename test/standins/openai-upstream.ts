/**
 * Stand-in for api.openai.com: a real node:http server on 127.0.0.1 speaking OpenAI's wire
 * format, used as the upstream provider by the gateway's integration tests and the bench.
 *
 * Scenarios are picked by the request's `model`, so a test can trigger them through the
 * gateway: `fail-500`, `rate-limit`, `bad-request`, `cut-stream`, `stall-stream`, `slow`,
 * `slow-stream`, `tool-call`, `echo-key` (a 500 quoting the Authorization header), `error-in-stream` (an error event after the first chunk, then the
 * end of the response, as OpenAI does when a stream fails server-side), `bare-done` (the final
 * `data: [DONE]` without its blank line), `no-stream-options` (refuses a body with
 * `stream_options`, as servers that predate it do), `matrix-text` and `matrix-tool` (see
 * `matrix-scenario.ts`), and the bad answers of `bad-answers.ts`. Any other model gets an echo of the last user message.
 *
 * Run directly (`tsx test/standins/openai-upstream.ts --port 0`) it prints one line
 * `listening <url>` and exits on SIGTERM; that mode records nothing, so a long bench does
 * not grow its memory.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { runIfMain } from './cli.js';
import { closeServer, listenLoopback, readBody } from './http-server.js';
import {
  bashThenAnswer,
  chunkBody,
  completionBody,
  embeddingInputs,
  embeddingsBody,
  errorBody,
  finishChoice,
  matrixChatReply,
  matrixChatUsage,
  MODEL_IDS,
  modelObject,
  modelsBody,
  newMeta,
  openaiId,
  parseChatRequest,
  replyFor,
  streamDeltas,
  usageFor,
} from './openai-wire.js';
import type { ChatRequest } from './openai-wire.js';
import { isMatrixModel } from './matrix-scenario.js';
import { BROKEN_SSE, playBadAnswer, type BadAnswerWire } from './bad-answers.js';
import { serveResponses } from './responses-wire.js';

/** One request as the stand-in received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** The body text exactly as received. */
  text: string;
  /** True when the client's socket closed before the response was finished. */
  aborted: boolean;
  /** True once the whole response was written. */
  finished: boolean;
}

export interface OpenAIStandinOptions {
  /** 0 or absent: an ephemeral port. */
  port?: number;
  /** How long the `slow` model waits before sending headers (default 2000 ms). */
  delayHeadersMs?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get OpenAI's 401. */
  apiKey?: string;
  /** Record every request in `requests` (default true). */
  record?: boolean;
}

export interface OpenAIStandin {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Stops listening and destroys every open socket, including keep-alive and stalled ones. */
  close(): Promise<void>;
  /** Replaces the key requests must carry, as a rotated provider key would. */
  setApiKey(key: string | undefined): void;
}

interface Ctx {
  delayHeadersMs: number;
  apiKey: string | undefined;
}

/** Time between stream chunks for `slow-stream`: long enough for a client to hang up mid-way. */
const SLOW_STREAM_GAP_MS = 200;

export async function startOpenAIStandin(opts: OpenAIStandinOptions = {}): Promise<OpenAIStandin> {
  const requests: RecordedRequest[] = [];
  const record = opts.record ?? true;
  const ctx: Ctx = { delayHeadersMs: opts.delayHeadersMs ?? 2000, apiKey: opts.apiKey };
  const server = createServer((req, res) => {
    handle(req, res, ctx, record ? requests : null).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(`stand-in failure: ${String(err)}`, 'server_error'));
      else res.destroy();
    });
  });
  const port = await listenLoopback(server, opts.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close: () => closeServer(server),
    setApiKey: (key) => {
      ctx.apiKey = key;
    },
  };
}

function parseBody(raw: string): { body: unknown; json: boolean } {
  if (raw === '') return { body: undefined, json: true };
  try {
    return { body: JSON.parse(raw) as unknown, json: true };
  } catch {
    return { body: raw, json: false };
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Ctx,
  requests: RecordedRequest[] | null,
): Promise<void> {
  const text = await readBody(req);
  const { body, json } = parseBody(text);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const method = req.method ?? 'GET';
  const recorded: RecordedRequest = { method, path, headers: req.headers, body, text, aborted: false, finished: false };
  requests?.push(recorded);
  res.on('finish', () => {
    recorded.finished = true;
  });
  res.on('close', () => {
    if (!res.writableFinished) recorded.aborted = true;
  });

  if (ctx.apiKey !== undefined && req.headers.authorization !== `Bearer ${ctx.apiKey}`) {
    const msg = 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.';
    return sendJson(res, 401, errorBody(msg, 'invalid_request_error', 'invalid_api_key'));
  }
  if (!json) {
    const msg = 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)';
    return sendJson(res, 400, errorBody(msg, 'invalid_request_error'));
  }
  if (method === 'POST' && (await playBadAnswer(res, modelOf(body), streamOf(body), badWire(path)))) return;
  if (method === 'POST' && path === '/v1/chat/completions') return chatCompletions(res, body, ctx, req.headers.authorization);
  if (method === 'POST' && path === '/v1/embeddings') return embeddings(res, body);
  if (method === 'POST' && path === '/v1/responses') return serveResponses(res, body, text, { sendJson, scenarioError, errorBody });
  if (method === 'GET' && path === '/v1/models') return sendJson(res, 200, modelsBody());
  if (method === 'GET' && path.startsWith('/v1/models/')) return retrieveModel(res, decodeURIComponent(path.slice(11)));
  sendJson(res, 404, errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error'));
}

const modelOf = (body: unknown): string => String((body as { model?: unknown } | null)?.model ?? '');
const streamOf = (body: unknown): boolean => (body as { stream?: unknown } | null)?.stream === true;

/** The bad answers (`bad-answers.ts`) in the wire format of each route. */
function badWire(path: string): BadAnswerWire {
  if (path === '/v1/responses') {
    const created = { type: 'response.created', sequence_number: 0, response: { id: 'resp_bad', object: 'response', status: 'in_progress', output: [] } };
    return {
      wrongShape: { id: 'resp_bad', object: 'response', output: 'nope' },
      stream: { contentType: 'text/event-stream', good: `event: response.created\ndata: ${JSON.stringify(created)}\n\n`, broken: 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"cut of\n\n' },
    };
  }
  const chunk = { id: 'chatcmpl-bad', object: 'chat.completion.chunk', created: 1, model: 'bad-sse', choices: [{ index: 0, delta: { role: 'assistant', content: 'fine ' }, finish_reason: null }] };
  return {
    wrongShape: path === '/v1/embeddings' ? { object: 'list', data: 'nope' } : { id: 'chatcmpl-bad', object: 'chat.completion', choices: 'nope' },
    stream: { contentType: 'text/event-stream; charset=utf-8', good: `data: ${JSON.stringify(chunk)}\n\n`, broken: BROKEN_SSE },
  };
}

function retrieveModel(res: ServerResponse, id: string): void {
  if ((MODEL_IDS as readonly string[]).includes(id)) return sendJson(res, 200, modelObject(id));
  const msg = `The model '${id}' does not exist or you do not have access to it.`;
  sendJson(res, 404, errorBody(msg, 'invalid_request_error', 'model_not_found'));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(payload.length),
    'openai-version': '2020-10-01',
    'x-request-id': openaiId('req_', 32),
    ...headers,
  });
  res.end(payload);
}

/** Errors that scenarios answer with, exactly as OpenAI words and types them. */
function scenarioError(res: ServerResponse, model: string, authorization?: string): boolean {
  if (model === 'fail-500') {
    const msg = 'The server had an error while processing your request. Sorry about that!';
    sendJson(res, 500, errorBody(msg, 'server_error'));
  } else if (model === 'rate-limit') {
    const msg = `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 7s.`;
    sendJson(res, 429, errorBody(msg, 'requests', 'rate_limit_exceeded'), { 'retry-after': '7' });
  } else if (model === 'echo-key') {
    // Some providers quote the credential they refused; the gateway must mask it.
    sendJson(res, 500, errorBody(`Upstream failure while checking credential ${String(authorization)}`, 'server_error'));
  } else if (model === 'bad-request') {
    const msg = "Invalid value for 'messages': the stand-in was asked to refuse this request.";
    sendJson(res, 400, errorBody(msg, 'invalid_request_error', null, 'messages'));
  } else {
    return false;
  }
  return true;
}

async function chatCompletions(res: ServerResponse, body: unknown, ctx: Ctx, authorization?: string): Promise<void> {
  const parsed = parseChatRequest(body);
  if (typeof parsed === 'string') return sendJson(res, 400, errorBody(parsed, 'invalid_request_error'));
  if (scenarioError(res, parsed.model, authorization)) return;
  // Like OpenAI-compatible servers that predate stream_options and refuse unknown fields.
  if (parsed.model === 'no-stream-options' && (body as Record<string, unknown>).stream_options !== undefined) {
    return sendJson(res, 400, errorBody('Unrecognized request argument supplied: stream_options', 'invalid_request_error'));
  }
  if (parsed.model === 'slow') {
    await pause(res, ctx.delayHeadersMs);
    if (res.destroyed) return;
  }
  const matrix = isMatrixModel(parsed.model);
  const reply = parsed.model === 'bash-then-answer' ? bashThenAnswer(parsed) : matrix ? matrixChatReply(parsed) : replyFor(parsed, parsed.model === 'tool-call');
  const usage = matrix ? matrixChatUsage() : usageFor(parsed, reply);
  if (!parsed.stream) return sendJson(res, 200, completionBody(newMeta(parsed.model), reply, usage));
  await streamCompletion(res, parsed, reply, usage);
}

async function streamCompletion(
  res: ServerResponse,
  req: ChatRequest,
  reply: ReturnType<typeof replyFor>,
  usage: ReturnType<typeof usageFor>,
): Promise<void> {
  const meta = newMeta(req.model);
  // OpenAI sends `"usage": null` on every chunk only when include_usage was asked for.
  const perChunkUsage = req.includeUsage ? null : undefined;
  const gap = req.model === 'slow-stream' ? SLOW_STREAM_GAP_MS : 0;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'openai-version': '2020-10-01',
    'x-request-id': openaiId('req_', 32),
  });
  const deltas = streamDeltas(reply);
  const cutAfter = Math.min(2, deltas.length - 1);
  for (const [i, delta] of deltas.entries()) {
    await sendEvent(res, chunkBody(meta, { delta, finish_reason: null }, perChunkUsage));
    if (res.destroyed) return;
    if (req.model === 'stall-stream') return holdOpen(res);
    // Role delta plus two content chunks, then the connection drops with no [DONE].
    if (req.model === 'cut-stream' && i === cutAfter) return void res.destroy();
    if (req.model === 'error-in-stream') {
      return void res.end(`data: ${JSON.stringify(errorBody('The server had an error while processing your request.', 'server_error'))}\n\n`);
    }
    await pause(res, gap);
    if (res.destroyed) return;
  }
  await sendEvent(res, chunkBody(meta, finishChoice(reply), perChunkUsage));
  if (req.includeUsage) await sendEvent(res, chunkBody(meta, null, usage));
  if (!res.destroyed) res.end(req.model === 'bare-done' ? 'data: [DONE]\n' : 'data: [DONE]\n\n');
}

/** Writes one SSE event and waits until it is handed to the socket, so events flush apart. */
function sendEvent(res: ServerResponse, chunk: Record<string, unknown>): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.write(`data: ${JSON.stringify(chunk)}\n\n`, () => resolve());
  });
}

/** Waits `ms` (a macrotask turn when 0), cut short when the response's socket closes. */
function pause(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

/** Never sends more; resolves when the client or close() drops the socket. */
function holdOpen(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.closed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

function embeddings(res: ServerResponse, body: unknown): void {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') {
    return sendJson(res, 400, errorBody("Missing required parameter: 'model'.", 'invalid_request_error'));
  }
  if (scenarioError(res, b.model)) return;
  const inputs = embeddingInputs(b.input);
  if (!inputs) return sendJson(res, 400, errorBody("'input' : input must be a string or an array of strings", 'invalid_request_error', null, 'input'));
  // The openai v6 SDK asks for base64 by default and decodes it itself.
  sendJson(res, 200, embeddingsBody(b.model, inputs, b.encoding_format === 'base64'));
}

await runIfMain(import.meta.url, (port) => startOpenAIStandin({ port, record: false }));
