/**
 * A small stand-in for api.anthropic.com's Messages API (`POST /v1/messages`), speaking its
 * real wire format: the message object, the stream `message_start` → `content_block_*` →
 * `message_delta` → `message_stop` with `ping`, and `{"type":"error",…}` errors.
 * Scenarios by model: `tool-call` (thinking, text, then a streamed tool_use), `agent-tool`
 * (thinking and an `exec_command` tool_use until a tool_result comes back, then
 * `tool said: <result>`), `overloaded`
 * (an `error` event mid-stream), `rate-limit` (429 with retry-after), `cut-stream`.
 * Anything else answers `echo: <last user text>`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MiniRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface AnthropicMini {
  url: string;
  requests: MiniRequest[];
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;
type Block = Obj & { type: string };

function lastUserText(body: Obj): string {
  const messages = (body.messages ?? []) as { role: string; content: string | Block[] }[];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  // The last text block: a client may send several user turns merged into one message.
  return String(last.content.filter((b) => b.type === 'text').at(-1)?.text ?? '');
}

/** The tool_result the last user message carries, if any. */
function lastToolResult(body: Obj): string | null {
  const last = ((body.messages ?? []) as { role: string; content: string | Block[] }[]).at(-1);
  if (!last || typeof last.content === 'string') return null;
  const result = last.content.filter((b) => b.type === 'tool_result').at(-1);
  if (!result) return null;
  return typeof result.content === 'string' ? result.content : JSON.stringify(result.content);
}

function blocksFor(model: string, body: Obj): Block[] {
  const toolResult = lastToolResult(body);
  if (model === 'agent-tool') {
    if (toolResult !== null) return [{ type: 'text', text: `tool said: ${toolResult}` }];
    return [
      { type: 'thinking', thinking: 'I should run the command.', signature: 'EqQBCgIYAhIMsig' },
      { type: 'tool_use', id: 'toolu_01AgentTool0000000000000', name: 'exec_command', input: { cmd: 'echo gatehouse-tool-ok' } },
    ];
  }
  if (model === 'tool-call') {
    return [
      { type: 'thinking', thinking: 'The user wants the weather.', signature: 'EqQBCgIYAhIMsig' },
      { type: 'text', text: 'Checking the weather.' },
      { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris' } },
    ];
  }
  return [{ type: 'text', text: `echo: ${lastUserText(body)}` }];
}

const USAGE = { input_tokens: 21, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 9, service_tier: 'standard' };

function message(model: string, content: Block[]): Obj {
  const stop = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  return { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage: USAGE };
}

function errorBody(type: string, message: string): Obj {
  return { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' };
}

/** The stream events of one answer, in Anthropic's order. */
export function messageEvents(model: string, content: Block[]): Obj[] {
  const start = { ...message(model, []), stop_reason: null, usage: { ...USAGE, output_tokens: 1 } };
  const events: Obj[] = [{ type: 'message_start', message: start }];
  content.forEach((b, index) => {
    if (b.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, { type: 'ping' });
      for (const piece of String(b.text).match(/\s*\S+/g) ?? []) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    } else if (b.type === 'thinking') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { ...b, input: {} } });
      const json = JSON.stringify(b.input);
      for (const partial_json of ['', json.slice(0, 9), json.slice(9)]) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  const stop = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  events.push({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: USAGE.output_tokens } });
  events.push({ type: 'message_stop' });
  return events;
}

function send(res: ServerResponse, status: number, body: Obj, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy', ...headers });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: MiniRequest[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method !== 'POST' || path !== '/v1/messages') return send(res, 404, errorBody('not_found_error', `Not found: ${req.method} ${path}`));
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
  requests.push({ path, headers: req.headers, body });
  const model = String(body.model);
  if (typeof body.max_tokens !== 'number') return send(res, 400, errorBody('invalid_request_error', 'max_tokens: Field required'));
  if (model === 'rate-limit') return send(res, 429, errorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), { 'retry-after': '9' });
  const content = blocksFor(model, body);
  if (body.stream !== true) return send(res, 200, message(model, content));
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy' });
  let events = messageEvents(model, content);
  if (model === 'overloaded') events = [...events.slice(0, 4), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }];
  for (const [i, e] of events.entries()) {
    await new Promise<void>((resolve) => res.write(`event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`, () => resolve()));
    if (model === 'cut-stream' && i === 3) return void res.destroy();
  }
  res.end();
}

export async function startAnthropicMini(): Promise<AnthropicMini> {
  const requests: MiniRequest[] = [];
  const server: Server = createServer((req, res) => void handle(req, res, requests).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
