/**
 * OpenAI Responses (the client: Codex CLI) → Anthropic Messages (the provider: Claude).
 * Request, answer and stream; thinking comes back as reasoning items with a summary.
 */
import type { SseEvent, StreamTranslator, Translation } from '../types.js';
import { dataUrl, parseArguments, readToolChoice, readTools, readTurns, type Turn, type UserPart } from '../responses-common/input.js';
import { NO_TOKENS, newMeta, outputText, randomId, responseObject, type Ending, type OutputItem, type OutputOptions, type TokenCounts } from '../responses-common/output.js';
import { ResponsesStreamWriter } from '../responses-common/writer.js';
import { thinkingBudget } from '../thinking.js';

type Obj = Record<string, unknown>;
type Block = Obj & { type: string };
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Anthropic needs max_tokens; this is what a request without max_output_tokens gets. */
export const DEFAULT_MAX_TOKENS = 8192;

function imageBlock(p: UserPart & { type: 'image' }): Block {
  const d = dataUrl(p.url);
  return { type: 'image', source: d ? { type: 'base64', media_type: d.mediaType, data: d.data } : { type: 'url', url: p.url } };
}

function userBlocks(parts: UserPart[]): Block[] {
  return parts.filter((p) => p.type !== 'text' || p.text !== '').map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : imageBlock(p)));
}

/**
 * Turns as Anthropic messages: system turns go to `system`; consecutive turns of one role are
 * merged, so the tool results answering one assistant turn arrive in a single user message.
 */
export function anthropicMessages(turns: Turn[]): { system: string[]; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const t of turns) {
    if (t.kind === 'system') system.push(t.text);
    else if (t.kind === 'user') push('user', userBlocks(t.parts));
    else if (t.kind === 'assistant') push('assistant', t.text ? [{ type: 'text', text: t.text }] : []);
    else if (t.kind === 'call') push('assistant', [{ type: 'tool_use', id: t.callId, name: t.name, input: parseArguments(t.arguments, t.name) }]);
    else if (t.kind === 'result') push('user', [{ type: 'tool_result', tool_use_id: t.callId, content: t.output }]);
    else {
      const block = thinkingBlock(t.text, t.encrypted);
      if (block) push('assistant', [block]);
    }
  }
  return { system, messages };
}

/**
 * Thinking travels to the client as a reasoning item whose `encrypted_content` carries
 * Anthropic's signature (Codex asks for `reasoning.encrypted_content` and sends the items back),
 * marked so reasoning from another provider is never passed off as Claude's.
 */
export const SIGNED = 'gh-anthropic-thinking:';
export const REDACTED = 'gh-anthropic-redacted:';

function thinkingBlock(text: string, encrypted: string | null): Block | null {
  if (encrypted?.startsWith(SIGNED)) return { type: 'thinking', thinking: text, signature: encrypted.slice(SIGNED.length) };
  if (encrypted?.startsWith(REDACTED)) return { type: 'redacted_thinking', data: encrypted.slice(REDACTED.length) };
  return null;
}

/**
 * With thinking on, Anthropic refuses an assistant tool_use turn that does not start with its
 * thinking block. History from another provider (or without encrypted reasoning) has none:
 * such a request goes without thinking rather than failing.
 */
function historyAllowsThinking(messages: AnthropicMessage[]): boolean {
  return messages.every((m) => m.role !== 'assistant' || !m.content.some((b) => b.type === 'tool_use') || ['thinking', 'redacted_thinking'].includes(m.content[0]!.type));
}

function toolChoice(body: Obj): Obj | undefined {
  const choice = readToolChoice(body.tool_choice);
  const noParallel = body.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (!choice) return body.parallel_tool_calls === false ? { type: 'auto', ...noParallel } : undefined;
  if (choice.kind === 'none') return { type: 'none' };
  if (choice.kind === 'function') return { type: 'tool', name: choice.name, ...noParallel };
  return { type: choice.kind === 'required' ? 'any' : 'auto', ...noParallel };
}

export function request(body: Obj, model: string, stream: boolean): Obj {
  const { system, messages } = anthropicMessages(readTurns(body));
  const effort = (body.reasoning as { effort?: unknown } | null | undefined)?.effort;
  const budget = thinkingBudget(effort);
  const maxOutput = typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null;
  const out: Obj = { model, max_tokens: maxOutput ?? DEFAULT_MAX_TOKENS + (budget ?? 0), messages };
  if (system.length > 0) out.system = system.map((text) => ({ type: 'text', text }));
  // Thinking needs room for an answer after it: with too small a max_output_tokens, none.
  if (budget !== undefined && (maxOutput === null || maxOutput > budget + 1024) && historyAllowsThinking(messages)) out.thinking = { type: 'enabled', budget_tokens: budget };
  const tools = readTools(body.tools);
  if (tools.length > 0) {
    out.tools = tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.parameters }));
    const choice = toolChoice(body);
    if (choice) out.tool_choice = choice;
  }
  if (typeof body.temperature === 'number' && out.thinking === undefined) out.temperature = body.temperature;
  else if (typeof body.top_p === 'number' && out.thinking === undefined) out.top_p = body.top_p;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (stream) out.stream = true;
  return out;
}

interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** Anthropic counts cached and cache-written input apart from `input_tokens`; Responses counts all input. */
export function tokenCounts(u: AnthropicUsage | null | undefined): TokenCounts {
  if (!u) return NO_TOKENS;
  const cached = u.cache_read_input_tokens ?? 0;
  return { input: (u.input_tokens ?? 0) + cached + (u.cache_creation_input_tokens ?? 0), output: u.output_tokens ?? 0, cached, reasoning: 0 };
}

export function ending(stopReason: string | null | undefined): Ending {
  if (stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded') return { status: 'incomplete', reason: 'max_output_tokens' };
  if (stopReason === 'refusal') return { status: 'incomplete', reason: 'content_filter' };
  return { status: 'completed', reason: null };
}

interface ContentBlock {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

export function response(upstream: unknown, requestedModel: string, opts: OutputOptions = {}): unknown {
  const u = upstream as { content?: ContentBlock[]; stop_reason?: string | null; usage?: AnthropicUsage };
  const newId = opts.newId ?? randomId;
  const meta = newMeta(requestedModel, opts);
  const output: OutputItem[] = [];
  for (const b of u.content ?? []) {
    const last = output.at(-1);
    if (b.type === 'text' && b.text) {
      // Text blocks split by citations are one message to a Responses client.
      if (last?.type === 'message') last.content[0]!.text += b.text;
      else output.push({ id: newId('msg'), type: 'message', status: 'completed', content: [outputText(b.text)], role: 'assistant' });
    } else if (b.type === 'thinking' && b.thinking) {
      const encrypted = b.signature ? { encrypted_content: SIGNED + b.signature } : {};
      output.push({ id: newId('rs'), type: 'reasoning', summary: [{ type: 'summary_text', text: b.thinking }], ...encrypted });
    } else if (b.type === 'redacted_thinking' && b.data) {
      output.push({ id: newId('rs'), type: 'reasoning', summary: [], encrypted_content: REDACTED + b.data });
    } else if (b.type === 'tool_use') {
      output.push({ id: newId('fc'), type: 'function_call', status: 'completed', arguments: JSON.stringify(b.input ?? {}), call_id: b.id ?? newId('call'), name: b.name ?? '' });
    }
  }
  const end = ending(u.stop_reason);
  return responseObject(meta, end.status, output, tokenCounts(u.usage), { reason: end.reason });
}

interface StreamData {
  type?: string;
  index?: number;
  message?: { usage?: AnthropicUsage };
  content_block?: ContentBlock;
  delta?: { type?: string; text?: string; thinking?: string; signature?: string; partial_json?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

/** Anthropic stream events in, Responses events out; `message_stop` completes the response. */
export function stream(requestedModel: string, opts: OutputOptions = {}): StreamTranslator {
  const w = new ResponsesStreamWriter(requestedModel, opts);
  let usage: AnthropicUsage = {};
  let stopReason: string | null = null;
  const newId = opts.newId ?? randomId;
  const handlers: Record<string, (d: StreamData) => string[]> = {
    message_start: (d) => {
      usage = { ...d.message?.usage };
      return w.start();
    },
    content_block_start: (d) => {
      const b = d.content_block;
      if (b?.type === 'tool_use') return w.call(String(d.index), b.id ?? newId('call'), b.name ?? '');
      if (b?.type === 'text' && b.text) return w.text(b.text);
      if (b?.type === 'redacted_thinking' && b.data) return w.opaqueReasoning(REDACTED + b.data);
      return [];
    },
    content_block_delta: (d) => {
      const delta = d.delta ?? {};
      if (delta.type === 'text_delta') return w.text(delta.text ?? '');
      if (delta.type === 'thinking_delta') return w.reasoning(delta.thinking ?? '');
      if (delta.type === 'input_json_delta') return w.callArguments(String(d.index), delta.partial_json ?? '');
      if (delta.type === 'signature_delta' && delta.signature) w.reasoningEncrypted(SIGNED + delta.signature);
      return [];
    },
    content_block_stop: () => w.close(),
    message_delta: (d) => {
      stopReason = d.delta?.stop_reason ?? stopReason;
      // message_delta's usage is cumulative: it replaces what message_start said.
      for (const [k, v] of Object.entries(d.usage ?? {})) if (v !== null && v !== undefined) usage[k as keyof AnthropicUsage] = v as number;
      return [];
    },
    message_stop: () => w.finish(ending(stopReason), tokenCounts(usage)),
    error: (d) => w.fail(d.error?.type ?? 'api_error', d.error?.message ?? 'the provider failed mid-stream'),
  };
  return {
    event(ev: SseEvent): string[] {
      if (w.done) return [];
      const data = JSON.parse(ev.data) as StreamData;
      const handler = handlers[data.type ?? ev.event ?? ''];
      return handler ? handler(data) : [];
    },
    end: () => [],
  };
}

export const responsesToMessages: Translation = {
  from: 'responses',
  to: 'messages',
  request,
  response: (upstream, requestedModel) => response(upstream, requestedModel),
  stream: (requestedModel) => stream(requestedModel),
};
