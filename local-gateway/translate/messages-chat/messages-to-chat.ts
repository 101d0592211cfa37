/**
 * Anthropic Messages client → OpenAI chat completions provider (Claude Code on an
 * OpenAI-wire or Ollama model): the request and the complete answer. Pure functions.
 */
import { GatehouseError } from '../../core/errors.js';
import { stopReasonOf, toolInput, type AnthropicBlock, type AnthropicMessage, type AnthropicUsage } from './anthropic.js';
import type { ChatCompletion, ChatUsage } from './chat.js';

type Json = Record<string, unknown>;
type ChatPart = Json;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function blocksOf(content: unknown): AnthropicBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter((b): b is AnthropicBlock => isObject(b) && typeof b.type === 'string') : [];
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n\n');
}

/** An Anthropic image or document block as a chat content part; null when it has no equivalent. */
function mediaPart(block: AnthropicBlock): ChatPart | null {
  const source = isObject(block.source) ? block.source : null;
  if (!source) return null;
  if (block.type === 'image') {
    if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${String(source.media_type)};base64,${String(source.data)}` } };
    if (source.type === 'url') return { type: 'image_url', image_url: { url: String(source.url) } };
  }
  if (block.type === 'document') {
    if (source.type === 'text') return { type: 'text', text: String(source.data) };
    if (source.type === 'base64') {
      const filename = typeof block.title === 'string' ? block.title : 'document.pdf';
      return { type: 'file', file: { filename, file_data: `data:${String(source.media_type)};base64,${String(source.data)}` } };
    }
  }
  return null;
}

function userParts(blocks: AnthropicBlock[]): ChatPart[] {
  const parts: ChatPart[] = [];
  for (const b of blocks) {
    if (b.type === 'text' && typeof b.text === 'string') parts.push({ type: 'text', text: b.text });
    else {
      const media = mediaPart(b);
      if (media) parts.push(media);
    }
  }
  return parts;
}

/** Chat content: a plain string when it is only text (what every OpenAI-compatible server reads). */
function chatContent(parts: ChatPart[]): string | ChatPart[] {
  return parts.every((p) => p.type === 'text') ? parts.map((p) => p.text as string).join('\n\n') : parts;
}

/**
 * A user turn: tool results become `tool` messages, which must directly follow the assistant
 * turn that called the tools; images inside a result follow in a user message, since a
 * tool message carries text only.
 */
function userMessages(content: unknown): Json[] {
  const blocks = blocksOf(content);
  const out: Json[] = [];
  const trailing: ChatPart[] = [];
  for (const b of blocks.filter((x) => x.type === 'tool_result')) {
    const inner = blocksOf(b.content);
    const text = inner.filter((x) => x.type === 'text').map((x) => String(x.text)).join('\n\n');
    out.push({ role: 'tool', tool_call_id: String(b.tool_use_id), content: b.is_error === true ? `Error: ${text}` : text });
    trailing.push(...userParts(inner.filter((x) => x.type !== 'text')));
  }
  const parts = [...trailing, ...userParts(blocks.filter((x) => x.type !== 'tool_result'))];
  if (parts.length > 0) out.push({ role: 'user', content: chatContent(parts) });
  return out;
}

/** An assistant turn: text and tool calls; thinking is the provider's own and is not sent to another. */
function assistantMessage(content: unknown): Json | null {
  const blocks = blocksOf(content);
  const text = blocks.filter((b) => b.type === 'text').map((b) => String(b.text)).join('');
  const calls = blocks
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: String(b.id), type: 'function', function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } }));
  if (!text && calls.length === 0) return null;
  return { role: 'assistant', content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
}

function chatMessages(body: Json): Json[] {
  const out: Json[] = [];
  const system = textOf(body.system);
  if (system) out.push({ role: 'system', content: system });
  for (const m of Array.isArray(body.messages) ? body.messages.filter(isObject) : []) {
    if (m.role === 'assistant') {
      const msg = assistantMessage(m.content);
      if (msg) out.push(msg);
    } else if (m.role === 'system') {
      // A system turn mid-conversation (Claude Code sends them) stays where it was.
      out.push({ role: 'system', content: textOf(m.content) });
    } else {
      out.push(...userMessages(m.content));
    }
  }
  return out;
}

/**
 * Client tools become functions. Anthropic's server tools (web search, code execution…) run on
 * Anthropic's side and have no schema to give another model, so they are left out.
 */
function chatTools(tools: unknown): Json[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const out = tools
    .filter((t): t is Json => isObject(t) && isObject(t.input_schema))
    .map((t) => ({
      type: 'function',
      function: { name: t.name, ...(typeof t.description === 'string' ? { description: t.description } : {}), parameters: t.input_schema },
    }));
  return out.length > 0 ? out : undefined;
}

function chatToolChoice(choice: unknown): unknown {
  if (!isObject(choice)) return undefined;
  switch (choice.type) {
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      return 'auto';
  }
}

/** The chat completions request for a Messages request. */
export function messagesToChatRequest(body: Json, model: string, stream: boolean): Json {
  if (typeof body.n === 'number' && body.n > 1) throw new GatehouseError('GH_ERR_UNTRANSLATABLE', 'n > 1 cannot be translated: ask for one answer.');
  const tools = chatTools(body.tools);
  const out: Json = { model, messages: chatMessages(body) };
  if (typeof body.max_tokens === 'number') out.max_completion_tokens = body.max_tokens;
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  if (tools) {
    out.tools = tools;
    const choice = chatToolChoice(body.tool_choice);
    if (choice !== undefined) out.tool_choice = choice;
    if (isObject(body.tool_choice) && body.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  if (stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/**
 * Anthropic's `input_tokens` leaves out cached tokens, which OpenAI's `prompt_tokens`
 * includes; the cached part is reported as `cache_read_input_tokens`.
 */
export function anthropicUsageOf(u: ChatUsage | null | undefined): AnthropicUsage {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoning = u?.completion_tokens_details?.reasoning_tokens;
  return {
    input_tokens: Math.max(0, (u?.prompt_tokens ?? 0) - cached),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: u?.completion_tokens ?? 0,
    // Both APIs count reasoning inside the output tokens and report it apart.
    ...(typeof reasoning === 'number' && reasoning > 0 ? { output_tokens_details: { thinking_tokens: reasoning } } : {}),
  };
}

export function messageId(upstreamId: string | undefined): string {
  return `msg_${(upstreamId ?? '').replace(/^chatcmpl-/, '') || Date.now().toString(36)}`;
}

/** The Messages answer for a complete chat completion. */
export function chatToMessagesResponse(upstream: unknown, requestedModel: string): AnthropicMessage {
  const completion = (isObject(upstream) ? upstream : {}) as ChatCompletion;
  const choice = completion.choices?.[0];
  if (!choice) throw new Error('the chat completion has no choices');
  const msg = choice.message;
  const content: AnthropicBlock[] = [];
  const thinking = msg?.reasoning_content ?? msg?.reasoning;
  if (thinking) content.push({ type: 'thinking', thinking, signature: '' });
  const text = msg?.content ?? msg?.refusal;
  if (text) content.push({ type: 'text', text });
  for (const call of msg?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) });
  }
  const madeToolCalls = (msg?.tool_calls?.length ?? 0) > 0;
  return {
    id: messageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: requestedModel,
    content,
    stop_reason: msg?.refusal && !msg.content ? 'refusal' : stopReasonOf(choice.finish_reason, madeToolCalls),
    stop_sequence: null,
    usage: anthropicUsageOf(completion.usage),
  };
}
