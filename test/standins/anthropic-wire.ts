/**
 * Pure builders for Anthropic's Messages wire format (messages, stream events, errors,
 * models, token counts), field for field as api.anthropic.com sends them, so the stand-in in
 * `anthropic-upstream.ts` only deals with HTTP. Deterministic except ids.
 */
import { randomBytes } from 'node:crypto';
import { MATRIX_USAGE, isMatrixModel, matrixReply } from './matrix-scenario.js';

type Json = Record<string, unknown>;
export type Block = Json & { type: string };

export interface MessagesUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  service_tier: 'standard';
}

export const ANTHROPIC_MODEL_IDS = ['claude-sonnet-4-5', 'claude-opus-4-8', 'claude-haiku-4-5'] as const;
export const WEATHER_INPUT = { city: 'Paris' };
export const THINKING_TEXT = 'The user wants a greeting. I will answer briefly.';
export const THINKING_SIGNATURE = 'EqQBCkYIBxgCKkBstandinsignature0123456789abcdef';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Anthropic-looking id: `msg_01` / `toolu_01` / `req_011C` and 22 random base62 characters. */
export function anthropicId(prefix: string): string {
  let out = prefix;
  for (const b of randomBytes(22)) out += BASE62[b % BASE62.length];
  return out;
}

/** Text of content: a string, or the text of its text blocks and tool results. */
export function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b: unknown) => {
      if (typeof b !== 'object' || b === null) return '';
      const block = b as Json;
      if (block.type === 'text' && typeof block.text === 'string') return block.text;
      if (block.type === 'tool_result') return textOfContent(block.content);
      return '';
    })
    .filter(Boolean)
    .join(' ');
}

/** What the assistant answers: an echo of the last user turn, or a scenario's fixed blocks. */
export function replyBlocks(model: string, messages: Json[]): Block[] {
  if (isMatrixModel(model)) return matrixBlocks(model, messages);
  if (model === 'tool-use') return [{ type: 'text', text: 'Let me check the weather.' }, { type: 'tool_use', id: anthropicId('toolu_01'), name: 'get_weather', input: WEATHER_INPUT }];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (model === 'bash-then-answer') return bashThenAnswer(last);
  if (model === 'mcp-then-answer') return mcpThenAnswer(last);
  const text = `echo: ${last ? textOfContent(last.content) : ''}`;
  if (model === 'thinking') return [{ type: 'thinking', thinking: THINKING_TEXT, signature: THINKING_SIGNATURE }, { type: 'text', text }];
  return [{ type: 'text', text }];
}

/** The matrix scenarios: a tool result is a `tool_result` block in the last message. */
function matrixBlocks(model: string, messages: Json[]): Block[] {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user' && (typeof m.content === 'string' || (m.content as Json[]).some((b) => b.type === 'text')));
  const last = messages.at(-1);
  const results = Array.isArray(last?.content) ? (last.content as Json[]).filter((b) => b.type === 'tool_result') : [];
  const r = matrixReply(model, lastUser ? textOfContent(lastUser.content) : '', results.length > 0 ? textOfContent(results) : null);
  if (r.kind === 'text') return [{ type: 'text', text: r.text }];
  return [{ type: 'tool_use', id: anthropicId('toolu_01'), name: r.name, input: r.input }];
}

export const BASH_COMMAND = 'echo gatehouse-tool-ok';

/** An agent turn: run a shell command first; once its result is back, say what it printed. */
function bashThenAnswer(last: Json | undefined): Block[] {
  const results = Array.isArray(last?.content) ? (last.content as Json[]).filter((b) => b.type === 'tool_result') : [];
  if (results.length > 0) return [{ type: 'text', text: `tool said: ${textOfContent(results)}` }];
  return [{ type: 'tool_use', id: anthropicId('toolu_01'), name: 'Bash', input: { command: BASH_COMMAND, description: 'Print a marker' } }];
}

/** The tool `mcp-then-answer` calls: the stand-in MCP server's echo, through the gateway's `/mcp` as Claude Code names it. */
export const MCP_TOOL = 'mcp__gatehouse__files_echo';

/** An agent turn through an MCP tool: call it first; once its result is back, say what it returned. */
function mcpThenAnswer(last: Json | undefined): Block[] {
  const results = Array.isArray(last?.content) ? (last.content as Json[]).filter((b) => b.type === 'tool_result') : [];
  if (results.length > 0) return [{ type: 'text', text: `tool said: ${textOfContent(results)}` }];
  return [{ type: 'tool_use', id: anthropicId('toolu_01'), name: MCP_TOOL, input: { text: 'from claude' } }];
}

export function stopReasonFor(model: string, blocks: Block[]): string {
  if (model === 'max-tokens') return 'max_tokens';
  return blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
}

/**
 * The stand-in's token rules: input = characters of system, messages and tools / 4; a
 * request that marks anything with cache_control reads three quarters of it from the cache
 * (Anthropic's `input_tokens` then counts only the rest); output = words of the reply.
 */
export function usageFor(bodyText: string, body: Json, blocks: Block[]): MessagesUsage {
  if (isMatrixModel(String(body.model))) {
    // Anthropic's input_tokens leaves out cache reads; it has no reasoning count.
    const u = MATRIX_USAGE;
    return { input_tokens: u.input - u.cached, cache_creation_input_tokens: 0, cache_read_input_tokens: u.cached, output_tokens: u.output, service_tier: 'standard' };
  }
  const total = inputTokens(body);
  const cacheRead = bodyText.includes('"cache_control"') ? Math.floor((total * 3) / 4) : 0;
  const words = blocks.map((b) => (b.type === 'text' ? String(b.text) : b.type === 'thinking' ? String(b.thinking) : JSON.stringify(b.input))).join(' ');
  return {
    input_tokens: total - cacheRead,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cacheRead,
    output_tokens: Math.max(1, words.split(/\s+/).filter(Boolean).length),
    service_tier: 'standard',
  };
}

export function inputTokens(body: Json): number {
  return Math.max(1, Math.ceil(JSON.stringify([body.system ?? '', body.messages ?? [], body.tools ?? []]).length / 4));
}

export function messageBody(id: string, model: string, blocks: Block[], stopReason: string, usage: MessagesUsage): Json {
  return { id, type: 'message', role: 'assistant', model, content: blocks, stop_reason: stopReason, stop_sequence: null, usage };
}

/** One SSE event as Anthropic writes it: `event:` line, `data:` line, blank line. */
export function sse(data: Json & { type: string }): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Splits text into word-sized deltas, leading space kept, as the API streams them. */
export function textPieces(text: string): string[] {
  const pieces = text.match(/\s*\S+/g) ?? [];
  return pieces.length > 0 ? pieces : [text];
}

/** Tool input JSON in pieces the way the API streams it: an empty first delta, then fragments. */
export function jsonPieces(input: unknown): string[] {
  const json = JSON.stringify(input);
  return ['', json.slice(0, 2), json.slice(2, 9), json.slice(9)].filter((p, i) => i === 0 || p !== '');
}

/** Every event of a streamed message, in the API's order, with a ping after message_start. */
export function streamEvents(id: string, model: string, blocks: Block[], stopReason: string, usage: MessagesUsage): string[] {
  const { output_tokens, ...inputSide } = usage;
  const events = [
    sse({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...inputSide, output_tokens: 1 } } }),
    sse({ type: 'ping' }),
  ];
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(sse({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      for (const text of textPieces(String(block.text))) events.push(sse({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }));
    } else if (block.type === 'thinking') {
      events.push(sse({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      for (const thinking of textPieces(String(block.thinking))) events.push(sse({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } }));
      events.push(sse({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } }));
    } else if (block.type === 'tool_use') {
      events.push(sse({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }));
      for (const partial_json of jsonPieces(block.input)) events.push(sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }));
    }
    events.push(sse({ type: 'content_block_stop', index }));
  });
  events.push(
    sse({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens } }),
    sse({ type: 'message_stop' }),
  );
  return events;
}

export function errorBody(type: string, message: string): Json {
  return { type: 'error', error: { type, message }, request_id: anthropicId('req_011C') };
}

export function modelsBody(): Json {
  const data = ANTHROPIC_MODEL_IDS.map((id) => ({ type: 'model', id, display_name: id.replace(/-/g, ' '), created_at: '2025-09-29T00:00:00Z' }));
  return { data, has_more: false, first_id: data[0]!.id, last_id: data.at(-1)!.id };
}
