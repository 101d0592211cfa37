/**
 * OpenAI's Responses API wire format for the stand-in upstream (`POST /v1/responses`), shaped
 * field for field like api.openai.com answers: the `response` object, and the stream
 * `response.created` → `response.in_progress` → per item `output_item.added` … `output_item.done`
 * → `response.completed`, each event with `event:` = its `type` and a `sequence_number`.
 *
 * Deterministic: ids and `created_at` derive from the request text, so a test can rebuild
 * exactly what the stand-in sent and compare it event by event with what a client received.
 * Scenarios by model: `tool-call` (a get_weather function call), `agent-tool` (asks for
 * `exec_command` until the input ends with its output, then answers `tool said: <output>`),
 * `mcp-tool` (the same with the offered tool whose name ends in `remote_echo`, an MCP tool),
 * `error-in-stream` (text, then
 * `error` and `response.failed`), `cut-stream` (the connection drops after a few events);
 * `matrix-text` and `matrix-tool` (see `matrix-scenario.ts`);
 * the error scenarios of the chat endpoint (`fail-500`, `rate-limit`, `bad-request`) apply too.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { MATRIX_USAGE, isMatrixModel, matrixReply } from './matrix-scenario.js';

export interface ResponsesRequest {
  model: string;
  stream: boolean;
  /** Text of the last user message (or the string input). */
  lastUser: string;
  inputChars: number;
  /** Output of the last input item when it is a function_call_output (a tool's answer). */
  toolOutput: string | null;
  /** The function tools the client offered (an agent's own, and its MCP servers' inside a `namespace` tool, as Codex sends them). */
  tools: { name: string; namespace?: string }[];
  /** The request text, the seed of every id. */
  seed: string;
}

type Obj = Record<string, unknown>;

export function parseResponsesRequest(body: unknown, text: string): ResponsesRequest | string {
  if (typeof body !== 'object' || body === null) return 'The request body must be a JSON object.';
  const b = body as Obj;
  if (typeof b.model !== 'string' || b.model === '') return "Missing required parameter: 'model'.";
  if (typeof b.input !== 'string' && !Array.isArray(b.input)) return "Missing required parameter: 'input'.";
  const textOf = (c: unknown): string =>
    typeof c === 'string' ? c : Array.isArray(c) ? c.map((p: unknown) => (typeof (p as Obj).text === 'string' ? ((p as Obj).text as string) : '')).join('') : '';
  const items = typeof b.input === 'string' ? [{ role: 'user', content: b.input }] : (b.input as Obj[]);
  const users = items.filter((i) => i.role === 'user');
  const inputChars = items.reduce((n, i) => n + textOf(i.content).length + (typeof i.output === 'string' ? i.output.length : 0), 0) + String(b.instructions ?? '').length;
  const last = items.at(-1);
  const toolOutput = last?.type === 'function_call_output' ? (typeof last.output === 'string' ? last.output : textOf(last.output)) : null;
  const tools = (Array.isArray(b.tools) ? (b.tools as Obj[]) : []).flatMap((t): { name: string; namespace?: string }[] => {
    if (t.type === 'namespace' && Array.isArray(t.tools)) return (t.tools as Obj[]).map((x) => ({ name: String(x.name), namespace: String(t.name) }));
    return typeof t.name === 'string' ? [{ name: t.name }] : [];
  });
  return { model: b.model, stream: b.stream === true, lastUser: textOf(users.at(-1)?.content), inputChars, toolOutput, tools, seed: text };
}

function idFor(seed: string, prefix: string, n: number): string {
  return `${prefix}_${createHash('sha256').update(`${seed}:${prefix}:${n}`).digest('hex').slice(0, 48)}`;
}

export const WEATHER_CALL = { name: 'get_weather', arguments: '{"city":"Paris"}' };
/** What the `agent-tool` model asks an agent to run (Codex's shell tool), before answering with its output. */
export const AGENT_CALL = { name: 'exec_command', arguments: '{"cmd":"echo gatehouse-tool-ok"}' };

/** What the `mcp-tool` model asks an agent to call: the `echo` tool of the MCP server `remote` behind Gatehouse, under whatever name the agent offered it. */
export const MCP_ECHO_ARGS = '{"text":"from the model"}';

function callOf(req: ResponsesRequest): { name: string; namespace?: string; arguments: string } | null {
  if (req.model === 'tool-call') return WEATHER_CALL;
  if (req.toolOutput !== null) return null;
  if (req.model === 'agent-tool') return AGENT_CALL;
  const echo = req.model === 'mcp-tool' ? req.tools.find((t) => t.name.endsWith('remote_echo')) : undefined;
  return echo ? { ...echo, arguments: MCP_ECHO_ARGS } : null;
}

function items(req: ResponsesRequest): Obj[] {
  if (isMatrixModel(req.model)) return matrixItems(req);
  const call = callOf(req);
  if (call) {
    return [{ id: idFor(req.seed, 'fc', 1), type: 'function_call', status: 'completed', arguments: call.arguments, call_id: idFor(req.seed, 'call', 1).slice(0, 29), name: call.name, ...('namespace' in call ? { namespace: call.namespace } : {}) }];
  }
  const text = req.toolOutput !== null ? `tool said: ${req.toolOutput}` : `echo: ${req.lastUser}`;
  return [
    { id: idFor(req.seed, 'rs', 1), type: 'reasoning', summary: [] },
    { id: idFor(req.seed, 'msg', 1), type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text }], role: 'assistant' },
  ];
}

/** The matrix scenarios: a reasoning item, then the function call or the message. */
function matrixItems(req: ResponsesRequest): Obj[] {
  const r = matrixReply(req.model, req.lastUser, req.toolOutput);
  const reasoning = { id: idFor(req.seed, 'rs', 1), type: 'reasoning', summary: [] };
  if (r.kind === 'tool') {
    return [reasoning, { id: idFor(req.seed, 'fc', 1), type: 'function_call', status: 'completed', arguments: JSON.stringify(r.input), call_id: idFor(req.seed, 'call', 1).slice(0, 29), name: r.name }];
  }
  return [reasoning, { id: idFor(req.seed, 'msg', 1), type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text: r.text }], role: 'assistant' }];
}

function usage(req: ResponsesRequest, output: Obj[]) {
  if (isMatrixModel(req.model)) {
    const u = MATRIX_USAGE;
    return { input_tokens: u.input, input_tokens_details: { cached_tokens: u.cached }, output_tokens: u.output, output_tokens_details: { reasoning_tokens: u.reasoning }, total_tokens: u.input + u.output };
  }
  const input = Math.max(1, Math.ceil(req.inputChars / 4));
  const out = output.reduce((n, o) => n + (o.type === 'function_call' ? 8 : o.type === 'message' ? JSON.stringify(o.content).split(' ').length : 0), 0);
  return { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: out + 4, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: input + out + 4 };
}

export function responseBody(req: ResponsesRequest, status: 'in_progress' | 'completed' | 'failed', output: Obj[], error: Obj | null = null): Obj {
  return {
    id: idFor(req.seed, 'resp', 1),
    object: 'response',
    created_at: 1_763_900_000 + (req.seed.length % 1000),
    status,
    background: false,
    error,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: `${req.model}-2025-04-14`,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: 'medium', summary: null },
    store: false,
    temperature: 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1.0,
    truncation: 'disabled',
    usage: status === 'completed' ? usage(req, output) : null,
    user: null,
    metadata: {},
  };
}

/** A complete, non-streamed answer. */
export function completeResponse(req: ResponsesRequest): Obj {
  return responseBody(req, 'completed', items(req));
}

function pieces(s: string): string[] {
  return s.match(/\s*\S+/g) ?? [s];
}

/** Every event of a streamed answer, in order, as `{type, …}` objects with sequence numbers. */
export function streamEvents(req: ResponsesRequest): Obj[] {
  const events: Obj[] = [];
  const push = (e: Obj) => events.push({ ...e, sequence_number: events.length });
  const done = items(req);
  push({ type: 'response.created', response: responseBody(req, 'in_progress', []) });
  push({ type: 'response.in_progress', response: responseBody(req, 'in_progress', []) });
  done.forEach((item, output_index) => {
    const id = item.id as string;
    if (item.type === 'reasoning') {
      push({ type: 'response.output_item.added', output_index, item });
      push({ type: 'response.output_item.done', output_index, item });
    } else if (item.type === 'function_call') {
      push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of (item.arguments as string).match(/.{1,6}/gs) ?? []) push({ type: 'response.function_call_arguments.delta', item_id: id, output_index, delta, obfuscation: 'x1' });
      push({ type: 'response.function_call_arguments.done', item_id: id, output_index, arguments: item.arguments });
      push({ type: 'response.output_item.done', output_index, item });
    } else {
      const text = (item.content as { text: string }[])[0]!.text;
      const at = { item_id: id, output_index, content_index: 0 };
      push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } });
      push({ type: 'response.content_part.added', ...at, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
      for (const delta of pieces(text)) push({ type: 'response.output_text.delta', ...at, delta, logprobs: [], obfuscation: 'ab' });
      push({ type: 'response.output_text.done', ...at, text, logprobs: [] });
      push({ type: 'response.content_part.done', ...at, part: { type: 'output_text', annotations: [], logprobs: [], text } });
      push({ type: 'response.output_item.done', output_index, item });
    }
  });
  if (req.model === 'error-in-stream') {
    // What OpenAI sends when a response fails server-side after it started: the first text, then the failure.
    events.length = 7;
    const error = { code: 'server_error', message: 'The server had an error processing your request. Sorry about that!' };
    push({ type: 'error', ...error, param: null });
    push({ type: 'response.failed', response: responseBody(req, 'failed', [], error) });
    return events;
  }
  push({ type: 'response.completed', response: responseBody(req, 'completed', done) });
  return events;
}

export function sseText(e: Obj): string {
  return `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`;
}

export interface WireHelpers {
  sendJson(res: ServerResponse, status: number, body: unknown): void;
  /** Answers the shared error scenarios; true when it did. */
  scenarioError(res: ServerResponse, model: string): boolean;
  errorBody(message: string, type: string): unknown;
}

/** Serves `POST /v1/responses`, stream and not. */
export async function serveResponses(res: ServerResponse, body: unknown, text: string, h: WireHelpers): Promise<void> {
  const req = parseResponsesRequest(body, text);
  if (typeof req === 'string') return h.sendJson(res, 400, h.errorBody(req, 'invalid_request_error'));
  if (h.scenarioError(res, req.model)) return;
  if (!req.stream) return h.sendJson(res, 200, completeResponse(req));
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'openai-version': '2020-10-01', 'x-request-id': idFor(text, 'req', 1) });
  const events = streamEvents(req);
  for (const [i, e] of events.entries()) {
    if (res.destroyed) return;
    await new Promise<void>((resolve) => res.write(sseText(e), () => resolve()));
    if (req.model === 'cut-stream' && i === 4) return void res.destroy();
  }
  res.end();
}
