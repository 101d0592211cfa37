/**
 * Pure builders for OpenAI's wire format (chat completions, stream chunks, embeddings,
 * models, errors), shaped field for field like api.openai.com answers, so the stand-in
 * upstream in `openai-upstream.ts` only deals with HTTP. Everything here is deterministic
 * except ids and `created`, which is what tests need to assert on token counts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MATRIX_USAGE, matrixReply } from './matrix-scenario.js';

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
}

/** The part of a chat request the stand-in reads; everything else is recorded but ignored. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** What the assistant "says" for one request: plain text, or one tool call. */
export type Reply = { kind: 'text'; text: string } | { kind: 'tool'; call: ToolCall };

/** Identity shared by the completion and by every chunk of one streamed completion. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export const SYSTEM_FINGERPRINT = 'fp_standin01';
export const EMBEDDING_DIMENSIONS = 8;
export const MODEL_IDS = ['gpt-4o-mini', 'gpt-4o', 'o3-mini', 'text-embedding-3-small'] as const;

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** OpenAI-looking id: a prefix and `length` random alphanumerics (e.g. `chatcmpl-B9MBs8Cj…`). */
export function openaiId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ALPHANUM[b % ALPHANUM.length];
  return out;
}

export function newMeta(model: string): CompletionMeta {
  return { id: openaiId('chatcmpl-', 29), created: Math.floor(Date.now() / 1000), model };
}

/** Text of a message's content: a string, or the `text` parts of a content-part array. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

/** Deterministic token estimate: characters / 4 rounded up, never 0. */
export function tokensOfText(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function charsOf(messages: ChatMessage[]): number {
  return messages.reduce((n, m) => n + textOf(m.content).length, 0);
}

/**
 * Parses a chat request body leniently; returns a message for a 400 when the body is not
 * something OpenAI would accept (no model, no messages array).
 */
export function parseChatRequest(body: unknown): ChatRequest | string {
  if (typeof body !== 'object' || body === null) return 'The request body must be a JSON object.';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return "Missing required parameter: 'model'.";
  if (!Array.isArray(b.messages)) return "Missing required parameter: 'messages'.";
  const messages = b.messages.filter(
    (m: unknown): m is ChatMessage => typeof m === 'object' && m !== null && typeof (m as ChatMessage).role === 'string',
  );
  const options = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: b.model,
    messages,
    stream: b.stream === true,
    includeUsage: options?.include_usage === true,
  };
}

export const WEATHER_ARGUMENTS = '{"city":"Paris"}';

/** The default reply echoes the last user message; `tool-call` answers with get_weather. */
export function replyFor(req: ChatRequest, toolCall: boolean): Reply {
  if (toolCall) {
    return {
      kind: 'tool',
      call: { id: openaiId('call_', 24), type: 'function', function: { name: 'get_weather', arguments: WEATHER_ARGUMENTS } },
    };
  }
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  return { kind: 'text', text: `echo: ${lastUser ? textOf(lastUser.content) : ''}` };
}

export const BASH_COMMAND = 'echo gatehouse-tool-ok';

/**
 * The `bash-then-answer` agent turn: a Bash tool call first; once the tool's result is the
 * last message, "tool said: <result>".
 */
export function bashThenAnswer(req: ChatRequest): Reply {
  const last = req.messages.at(-1);
  if (last?.role === 'tool') return { kind: 'text', text: `tool said: ${textOf(last.content)}` };
  const args = JSON.stringify({ command: BASH_COMMAND, description: 'Print a marker' });
  return { kind: 'tool', call: { id: openaiId('call_', 24), type: 'function', function: { name: 'Bash', arguments: args } } };
}

/** The matrix scenarios (`matrix-text`, `matrix-tool`): a tool result is a last `tool` message. */
export function matrixChatReply(req: ChatRequest): Reply {
  const last = req.messages.at(-1);
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  const r = matrixReply(req.model, lastUser ? textOf(lastUser.content) : '', last?.role === 'tool' ? textOf(last.content) : null);
  if (r.kind === 'text') return r;
  return { kind: 'tool', call: { id: openaiId('call_', 24), type: 'function', function: { name: r.name, arguments: JSON.stringify(r.input) } } };
}

/** `MATRIX_USAGE` in OpenAI's shape: cached tokens inside prompt_tokens, reasoning inside completion_tokens. */
export function matrixChatUsage(): Usage {
  const { input, cached, output, reasoning } = MATRIX_USAGE;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function completionTokens(reply: Reply): number {
  if (reply.kind === 'tool') return tokensOfText(reply.call.function.name + reply.call.function.arguments);
  return Math.max(1, reply.text.split(/\s+/).filter(Boolean).length);
}

/**
 * Usage with the stand-in's fixed rules: prompt = chars of all messages / 4 (min 1),
 * completion = words of the reply, and with more than 2 messages everything before the last
 * message counts as a cached prefix, so prompt caching shows up in multi-turn tests.
 */
export function usageFor(req: ChatRequest, reply: Reply): Usage {
  const prompt = Math.max(1, Math.ceil(charsOf(req.messages) / 4));
  const prefix = Math.max(1, Math.floor(charsOf(req.messages.slice(0, -1)) / 4));
  const cached = req.messages.length > 2 ? Math.min(prompt, prefix) : 0;
  const completion = completionTokens(reply);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishReason(reply: Reply): 'stop' | 'tool_calls' {
  return reply.kind === 'tool' ? 'tool_calls' : 'stop';
}

/** A non-streamed `chat.completion` object. */
export function completionBody(meta: CompletionMeta, reply: Reply, usage: Usage): Record<string, unknown> {
  const message =
    reply.kind === 'tool'
      ? { role: 'assistant', content: null, tool_calls: [reply.call], refusal: null, annotations: [] }
      : { role: 'assistant', content: reply.text, refusal: null, annotations: [] };
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/**
 * One `chat.completion.chunk`. OpenAI puts `"usage": null` on every chunk only when the
 * caller asked for `stream_options.include_usage`; otherwise the key is absent.
 */
export function chunkBody(
  meta: CompletionMeta,
  choice: { delta: Record<string, unknown>; finish_reason: string | null } | null,
  usage: Usage | null | undefined,
): Record<string, unknown> {
  const chunk: Record<string, unknown> = {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: choice ? [{ index: 0, delta: choice.delta, logprobs: null, finish_reason: choice.finish_reason }] : [],
  };
  if (usage !== undefined) chunk.usage = usage;
  return chunk;
}

/** Splits text into word-sized deltas the way OpenAI streams them: leading space kept. */
export function textPieces(text: string): string[] {
  const pieces = text.match(/\s*\S+/g) ?? [];
  return pieces.length > 0 ? pieces : [text];
}

/** Splits tool-call arguments like OpenAI's tokens: `{"`, `city`, `":"`, `Paris`, `"}`. */
export function argumentPieces(args: string): string[] {
  const pieces = args.match(/\{"|":"|","|"\}|[^"{}:,]+|[\s\S]/g) ?? [args];
  return pieces.length >= 3 ? pieces : [args.slice(0, 1), args.slice(1, -1), args.slice(-1)];
}

/**
 * The deltas of a streamed reply, in order, before the finish chunk: the role delta
 * first, then content words or tool-call argument pieces.
 */
export function streamDeltas(reply: Reply): Record<string, unknown>[] {
  if (reply.kind === 'text') {
    return [{ role: 'assistant', content: '', refusal: null }, ...textPieces(reply.text).map((content) => ({ content }))];
  }
  const { id, type, function: fn } = reply.call;
  const first = {
    role: 'assistant',
    content: null,
    tool_calls: [{ index: 0, id, type, function: { name: fn.name, arguments: '' } }],
    refusal: null,
  };
  const rest = argumentPieces(fn.arguments).map((piece) => ({
    tool_calls: [{ index: 0, function: { arguments: piece } }],
  }));
  return [first, ...rest];
}

export function finishChoice(reply: Reply): { delta: Record<string, unknown>; finish_reason: string } {
  return { delta: {}, finish_reason: finishReason(reply) };
}

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */
export function errorBody(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** A deterministic unit vector for a text, from its SHA-256. */
export function embeddingOf(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  const raw = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => digest.readInt16LE(i * 2) / 32768);
  const norm = Math.hypot(...raw) || 1;
  // Round through Float32 so the float and base64 forms decode to the same numbers.
  return raw.map((v) => Math.fround(v / norm));
}

/** Little-endian Float32 bytes, base64: what OpenAI sends for `encoding_format: "base64"`. */
export function embeddingBase64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/** Inputs of an embeddings request as texts; token arrays are embedded by their JSON. */
export function embeddingInputs(input: unknown): string[] | null {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((x) => typeof x === 'number')) return [JSON.stringify(input)];
  return input.map((x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

export function embeddingsBody(model: string, inputs: string[], base64: boolean): Record<string, unknown> {
  const data = inputs.map((text, index) => {
    const vector = embeddingOf(text);
    return { object: 'embedding', index, embedding: base64 ? embeddingBase64(vector) : vector };
  });
  const tokens = inputs.reduce((n, t) => n + tokensOfText(t), 0);
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

const MODEL_CREATED = 1_721_172_741;

export function modelObject(id: string): Record<string, unknown> {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'system' };
}

export function modelsBody(): Record<string, unknown> {
  return { object: 'list', data: MODEL_IDS.map(modelObject) };
}
