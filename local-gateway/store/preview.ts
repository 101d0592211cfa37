import { createHash } from 'node:crypto';

/**
 * What the trace list shows of a request without reading its bodies: the last user message,
 * the answer (or the tool it called) and the agent session it belongs to. Computed once, when
 * the importer stores the trace, so a page of the list reads three short columns.
 */
export interface TracePreview {
  ask: string | null;
  answer: string | null;
  session: string | null;
}

/** Characters kept of each text: a list row shows one line. */
const KEEP = 160;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (s: string) => {
  if (s.length > KEEP * 4) {
    // Collapsing a prefix gives a prefix of the whole text collapsed: when it already runs past
    // what a row shows, a 4 KB message costs a few hundred characters of work, not 4 KB.
    const start = s.slice(0, KEEP * 4).replace(/\s+/g, ' ').trimStart();
    if (start.length > KEEP + 1) return `${start.slice(0, KEEP - 1)}…`;
  }
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > KEEP ? `${one.slice(0, KEEP - 1)}…` : one;
};
const orNull = (s: string) => (s === '' ? null : clip(s));
const toolCall = (name: unknown, args: unknown) => `→ ${String(name)}(${typeof args === 'string' ? args : JSON.stringify(args ?? {})})`;

/** The text of a message's content: a string, or the text parts of a part list (chat, Messages, Responses). */
function contentText(content: unknown): { text: string; toolResult: string | null } {
  if (typeof content === 'string') return { text: content, toolResult: null };
  if (!Array.isArray(content)) return { text: '', toolResult: null };
  let text = '';
  let toolResult: string | null = null;
  for (const part of content) {
    if (!isObj(part)) continue;
    if (typeof part.text === 'string' && part.type !== 'thinking') text += (text ? ' ' : '') + part.text;
    else if (part.type === 'tool_result' && toolResult === null) toolResult = contentText(part.content).text;
  }
  return { text, toolResult };
}

/** The last user turn of a chat, Messages or Responses request. */
function lastAsk(body: Obj): string | null {
  if (typeof body.input === 'string') return orNull(body.input);
  const turns = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : null;
  if (turns === null) return null;
  for (let i = turns.length - 1; i >= 0; i--) {
    const t: unknown = turns[i];
    if (!isObj(t)) continue;
    if (t.role === 'tool' || t.type === 'function_call_output') return orNull(`↩ tool result: ${contentText(t.content ?? t.output).text || String(t.output ?? '')}`);
    if (t.role !== 'user') continue;
    const { text, toolResult } = contentText(t.content);
    if (text) return orNull(text);
    if (toolResult !== null) return orNull(`↩ tool result: ${toolResult}`);
  }
  return null;
}

/** The answer of a complete JSON response: text, or the first tool call. */
function jsonAnswer(res: Obj): string | null {
  const choice = Array.isArray(res.choices) && isObj(res.choices[0]) ? res.choices[0] : null;
  if (choice && isObj(choice.message)) {
    const m = choice.message;
    if (typeof m.content === 'string' && m.content) return orNull(m.content);
    const call: unknown = Array.isArray(m.tool_calls) ? m.tool_calls[0] : null;
    if (isObj(call) && isObj(call.function)) return clip(toolCall(call.function.name, call.function.arguments));
    return null;
  }
  if (Array.isArray(res.content)) {
    const { text } = contentText(res.content);
    if (text) return orNull(text);
    const use: unknown = res.content.find((b) => isObj(b) && b.type === 'tool_use');
    return isObj(use) ? clip(toolCall(use.name, use.input)) : null;
  }
  if (Array.isArray(res.output)) return outputAnswer(res.output);
  return null;
}

function outputAnswer(output: unknown[]): string | null {
  let text = '';
  for (const item of output) {
    if (!isObj(item)) continue;
    if (item.type === 'message') text += contentText(item.content).text;
    else if (item.type === 'function_call' && !text) return clip(toolCall(item.name, item.arguments));
  }
  return orNull(text);
}

/** The answer of an event stream as the client got it: deltas joined, or the first tool call. */
function streamAnswer(sse: string): string | null {
  let text = '';
  let tool: { name: string; args: string } | null = null;
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data:') || text.length > KEEP) continue;
    let d: unknown;
    try {
      d = JSON.parse(line.slice(5));
    } catch {
      continue;
    }
    if (!isObj(d)) continue;
    const delta = Array.isArray(d.choices) && isObj(d.choices[0]) && isObj(d.choices[0].delta) ? d.choices[0].delta : null;
    if (delta) {
      if (typeof delta.content === 'string') text += delta.content;
      const call: unknown = Array.isArray(delta.tool_calls) ? delta.tool_calls[0] : null;
      if (isObj(call) && isObj(call.function)) {
        tool ??= { name: String(call.function.name ?? ''), args: '' };
        if (typeof call.function.arguments === 'string') tool.args += call.function.arguments;
      }
    } else if (d.type === 'content_block_delta' && isObj(d.delta)) {
      if (typeof d.delta.text === 'string') text += d.delta.text;
      if (typeof d.delta.partial_json === 'string' && tool) tool.args += d.delta.partial_json;
    } else if (d.type === 'content_block_start' && isObj(d.content_block) && d.content_block.type === 'tool_use') {
      tool ??= { name: String(d.content_block.name), args: '' };
    } else if (d.type === 'response.output_text.delta' && typeof d.delta === 'string') {
      text += d.delta;
    } else if (d.type === 'response.output_item.added' && isObj(d.item) && d.item.type === 'function_call') {
      tool ??= { name: String(d.item.name), args: '' };
    } else if (d.type === 'response.function_call_arguments.delta' && typeof d.delta === 'string' && tool) {
      tool.args += d.delta;
    }
  }
  if (text.trim()) return clip(text);
  return tool ? clip(toolCall(tool.name, tool.args)) : null;
}

const header = (h: Record<string, string>, name: string) => h[name]?.trim() || null;

/**
 * The agent's own session id where its requests carry one: Claude Code's
 * `x-claude-code-session-id` (or the `_session_<uuid>` in `metadata.user_id` of older
 * versions), Codex's `session-id` / `thread-id` headers and `client_metadata.session_id`,
 * or a `session_id` the caller put in x-gatehouse-metadata. Else the conversation's first
 * user turn (with the system prompt): an agent resends its whole history each turn, so every
 * turn of one conversation starts the same.
 */
export function sessionOf(headers: Record<string, string>, body: unknown, metadata: Record<string, string>): string | null {
  const fromHeader = header(headers, 'x-claude-code-session-id') ?? header(headers, 'session-id') ?? header(headers, 'session_id') ?? header(headers, 'thread-id') ?? header(headers, 'conversation_id');
  if (fromHeader) return fromHeader;
  if (metadata.session_id) return metadata.session_id;
  if (!isObj(body)) return null;
  if (isObj(body.client_metadata) && typeof body.client_metadata.session_id === 'string') return body.client_metadata.session_id;
  if (isObj(body.metadata) && typeof body.metadata.user_id === 'string') {
    const m = /session_([0-9a-f-]{36})/.exec(body.metadata.user_id) ?? /"session_id"\s*:\s*"([^"]+)"/.exec(body.metadata.user_id);
    if (m) return m[1]!;
  }
  const turns = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : null;
  const first: unknown = turns?.find((t) => isObj(t) && t.role === 'user');
  if (!isObj(first)) return null;
  const system = JSON.stringify(body.system ?? body.instructions ?? turns!.filter((t) => isObj(t) && (t.role === 'system' || t.role === 'developer')));
  const hash = createHash('sha256').update(system.slice(0, 4000)).update('\u0000').update(JSON.stringify(first.content ?? '').slice(0, 4000));
  return `conv-${hash.digest('hex').slice(0, 16)}`;
}

/** The preview of a stored trace; bodies as the store holds them (parsed JSON, a stream as its text). */
export function tracePreview(t: { api?: string; request_headers: Record<string, string>; metadata: Record<string, string>; request_body: unknown; response_body: unknown }): TracePreview {
  const req = isObj(t.request_body) ? t.request_body : null;
  if (t.api === 'mcp') return toolPreview(t.request_headers, req, t.response_body, t.metadata);
  const res = t.response_body;
  let answer: string | null = null;
  if (typeof res === 'string' && res.includes('data:')) answer = streamAnswer(res);
  else if (isObj(res) && !isObj(res.error)) answer = jsonAnswer(res);
  return { ask: req ? lastAsk(req) : null, answer, session: sessionOf(t.request_headers, req, t.metadata) };
}

/**
 * A tool call through `/mcp`: the call as `name(arguments)`, the result's first text (or its
 * error), and the session its client named in the headers or metadata; a tool call has no
 * conversation to hash, so without one it belongs to no session.
 */
/** A call through `/mcp`: a tool's name and arguments, a prompt's, or a resource's URI; the text of what came back. */
function toolPreview(headers: Record<string, string>, req: Obj | null, res: unknown, metadata: Record<string, string>): TracePreview {
  const ask = !req ? null : typeof req.uri === 'string' ? clip(req.uri) : clip(`${String(req.name ?? '?')}(${JSON.stringify(req.arguments ?? {})})`);
  let answer: string | null = null;
  if (isObj(res) && isObj(res.error)) answer = orNull(`error: ${String(res.error.message ?? '')}`);
  else if (isObj(res) && Array.isArray(res.contents)) answer = orNull(contentText(res.contents).text);
  else if (isObj(res) && Array.isArray(res.messages)) answer = orNull(contentText(res.messages.map((m) => (isObj(m) ? m.content : null))).text);
  else if (isObj(res)) answer = orNull(`${res.isError === true ? 'error: ' : ''}${contentText(res.content).text || (res.structuredContent !== undefined ? JSON.stringify(res.structuredContent) : '')}`);
  return { ask, answer, session: sessionOf(headers, null, metadata) };
}
