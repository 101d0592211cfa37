/**
 * OpenAI chat completions client → Anthropic Messages provider (Cursor, Continue and scripts
 * on Claude): the request and the complete answer. Pure functions.
 */
import { GatehouseError } from '../../core/errors.js';
import { readChatBody } from '../../providers/chat-request.js';
import { finishReasonOf, toolInput, type AnthropicBlock, type AnthropicMessage, type AnthropicUsage } from './anthropic.js';
import { parseDataUrl, type ChatToolCall } from './chat.js';
import { thinkingBudget } from '../thinking.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Anthropic requires `max_tokens`; chat clients often leave it out. Every Claude model can write this many. */
export const DEFAULT_MAX_TOKENS = 4096;


function untranslatable(what: string): GatehouseError {
  return new GatehouseError('GH_ERR_UNTRANSLATABLE', `${what} cannot be translated to the Anthropic Messages API: leave it out, or pick a model on a provider that speaks chat completions.`);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p): p is Json => isObject(p) && (p.type === 'text' || p.type === 'input_text'))
    .map((p) => String(p.text))
    .join('\n\n');
}

function imageBlock(part: Json): AnthropicBlock {
  const image = isObject(part.image_url) ? part.image_url : { url: part.image_url };
  const url = String(image.url ?? '');
  const data = parseDataUrl(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
  return { type: 'image', source: { type: 'url', url } };
}

function fileBlock(part: Json): AnthropicBlock {
  const file = isObject(part.file) ? part.file : {};
  const data = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : null;
  if (!data) throw untranslatable('A file part without file_data (a file_id)');
  return { type: 'document', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
}

function userBlocks(content: unknown): AnthropicBlock[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  return content.filter(isObject).map((part) => {
    if (part.type === 'text') return { type: 'text', text: String(part.text) };
    if (part.type === 'image_url') return imageBlock(part);
    if (part.type === 'file') return fileBlock(part);
    throw untranslatable(`A "${String(part.type)}" content part`);
  });
}

function assistantBlocks(m: Json): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  const text = textOf(m.content);
  if (text) blocks.push({ type: 'text', text });
  for (const call of Array.isArray(m.tool_calls) ? (m.tool_calls as ChatToolCall[]) : []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) });
  }
  return blocks;
}

/**
 * System and developer messages go to `system`, wherever they were. Tool results go into a
 * user turn (tool_result blocks first, as Anthropic requires), and consecutive turns of one
 * role are merged, so roles alternate.
 */
function anthropicMessages(messages: Json[]): { system: AnthropicBlock[]; messages: { role: string; content: AnthropicBlock[] }[] } {
  const system: AnthropicBlock[] = [];
  const out: { role: string; content: AnthropicBlock[] }[] = [];
  const push = (role: string, blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') {
      const text = textOf(m.content);
      if (text) system.push({ type: 'text', text });
    } else if (m.role === 'assistant') {
      push('assistant', assistantBlocks(m));
    } else if (m.role === 'tool') {
      push('user', [{ type: 'tool_result', tool_use_id: String(m.tool_call_id), content: textOf(m.content) }]);
    } else if (m.role === 'user') {
      push('user', userBlocks(m.content));
    } else {
      throw untranslatable(`A message with role "${String(m.role)}"`);
    }
  }
  return { system, messages: out };
}

function anthropicTools(tools: unknown): Json[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return tools.filter(isObject).map((t) => {
    if (t.type !== 'function' || !isObject(t.function)) throw untranslatable(`A tool of type "${String(t.type)}"`);
    const fn = t.function;
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
  });
}

function anthropicToolChoice(choice: unknown, parallel: unknown): Json | undefined {
  let out: Json | undefined;
  if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (choice === 'auto') out = { type: 'auto' };
  else if (isObject(choice) && isObject(choice.function)) out = { type: 'tool', name: choice.function.name };
  if (parallel === false) out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

/** The Messages request for a chat completions request. */
export function chatToMessagesRequest(body: Json, model: string, stream: boolean): Json {
  // Checked, not converted through: the mapping below reads the body as the client sent it.
  readChatBody(body);
  if (typeof body.n === 'number' && body.n > 1) throw untranslatable('n > 1 (several answers)');
  const format = isObject(body.response_format) ? body.response_format.type : undefined;
  if (format !== undefined && format !== 'text') throw untranslatable(`response_format "${String(format)}" (ask for JSON in the prompt instead)`);
  const { system, messages } = anthropicMessages(Array.isArray(body.messages) ? body.messages.filter(isObject) : []);
  let maxTokens = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : typeof body.max_tokens === 'number' ? body.max_tokens : DEFAULT_MAX_TOKENS;
  const out: Json = { model, messages };
  if (system.length > 0) out.system = system;
  const budget = thinkingBudget(body.reasoning_effort);
  if (budget) {
    out.thinking = { type: 'enabled', budget_tokens: budget };
    // The budget is part of max_tokens and must be below it.
    maxTokens = Math.max(maxTokens, budget + DEFAULT_MAX_TOKENS);
  } else if (typeof body.temperature === 'number') {
    // OpenAI's range is 0–2, Anthropic's 0–1; thinking allows no temperature at all.
    out.temperature = Math.min(1, body.temperature);
  }
  out.max_tokens = maxTokens;
  if (typeof body.top_p === 'number' && !budget) out.top_p = body.top_p;
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop : [];
  if (stop.length > 0) out.stop_sequences = stop;
  const tools = anthropicTools(body.tools);
  if (tools && tools.length > 0) out.tools = tools;
  const choice = anthropicToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (choice && tools && tools.length > 0) out.tool_choice = choice;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (stream) out.stream = true;
  return out;
}

/** OpenAI counts cached prompt tokens inside `prompt_tokens`; Anthropic reports them beside `input_tokens`. */
export function chatUsageOf(u: AnthropicUsage): Json {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const prompt = (u.input_tokens ?? 0) + cacheRead + (u.cache_creation_input_tokens ?? 0);
  const completion = u.output_tokens ?? 0;
  const thinking = u.output_tokens_details?.thinking_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
    ...(typeof thinking === 'number' ? { completion_tokens_details: { reasoning_tokens: thinking } } : {}),
  };
}

export function completionId(messageId: string | undefined): string {
  return `chatcmpl-${(messageId ?? '').replace(/^msg_/, '') || Date.now().toString(36)}`;
}

/** The chat completion for a complete Messages answer. */
export function messagesToChatResponse(upstream: unknown, requestedModel: string): Json {
  const msg = (isObject(upstream) ? upstream : {}) as Partial<AnthropicMessage>;
  if (!Array.isArray(msg.content)) throw new Error('the message has no content');
  const text = msg.content.filter((b) => b.type === 'text').map((b) => String(b.text)).join('');
  const thinking = msg.content.filter((b) => b.type === 'thinking').map((b) => String(b.thinking)).join('');
  const calls = msg.content
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: String(b.id), type: 'function', function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } }));
  const message: Json = { role: 'assistant', content: text || (calls.length > 0 ? null : ''), refusal: null };
  if (thinking) message.reasoning_content = thinking;
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: completionId(msg.id),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: requestedModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(msg.stop_reason) }],
    usage: chatUsageOf(msg.usage ?? {}),
  };
}
