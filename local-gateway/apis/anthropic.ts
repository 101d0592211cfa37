import { z } from 'zod';
import type { GatehouseError } from '../core/errors.js';
import { badEvent, checkEventData, parseSseEvent, sseData } from '../stream/sse.js';
import { anthropicErrorType, type AnthropicErrorType, type AnthropicUsage } from '../translate/messages-chat/anthropic.js';
import { replaceModel } from './json-text.js';
import { requestTexts, responseTexts } from '../contracts/texts.js';
import { messagesCodec } from './stream-codecs.js';
import type { ApiSurface, StreamFilter, Usage } from './types.js';

const MODEL = z.string().min(1, 'name a model, e.g. "anthropic/claude-sonnet-4-5" or "<provider>/<model>"');

/**
 * Only what the gateway reads is checked; everything else (system blocks, cache_control,
 * thinking, tools, server tools, metadata, betas' fields) passes through as sent.
 */
export const MessagesRequestSchema = z.looseObject({
  model: MODEL,
  messages: z.array(z.looseObject({ role: z.string() })).min(1, 'send at least one message'),
  max_tokens: z.number().int().positive('max_tokens must be a positive integer'),
  stream: z.boolean().nullish(),
});
export type MessagesRequest = z.infer<typeof MessagesRequestSchema>;

export const CountTokensRequestSchema = z.looseObject({
  model: MODEL,
  messages: z.array(z.looseObject({ role: z.string() })),
});
export type CountTokensRequest = z.infer<typeof CountTokensRequestSchema>;

const AnthropicUsageSchema = z
  .looseObject({
    input_tokens: z.number().nullish(),
    output_tokens: z.number().nullish(),
    cache_read_input_tokens: z.number().nullish(),
    cache_creation_input_tokens: z.number().nullish(),
  })
  .nullish();

/** A Messages answer as the gateway reads it: its content blocks (guardrails, translations) and usage. */
export const MessagesAnswerSchema = z.looseObject({ content: z.array(z.looseObject({ type: z.string() })), usage: AnthropicUsageSchema });

const CountTokensAnswerSchema = z.looseObject({ input_tokens: z.number() });

/** Anthropic's error body: `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(err: GatehouseError): { type: 'error'; error: { type: AnthropicErrorType; message: string } } {
  return { type: 'error', error: { type: anthropicErrorType(err.statusCode, err.type), message: err.message } };
}

/**
 * Anthropic's `input_tokens` leaves out cache reads and writes; the trace's input counts
 * every prompt token, as OpenAI's does, with the cache reads as `cached`.
 */
export function readAnthropicUsage(u: AnthropicUsage | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const read = u.cache_read_input_tokens ?? 0;
  const input = u.input_tokens == null ? null : u.input_tokens + read + (u.cache_creation_input_tokens ?? 0);
  // Thinking tokens are reported only with the thinking-token-count beta.
  return { input, output: u.output_tokens ?? null, cached: u.cache_read_input_tokens ?? null, reasoning: u.output_tokens_details?.thinking_tokens ?? null };
}

/** The event name of an SSE event from its first line, without parsing the rest. */
function eventName(text: string): string | null {
  if (!text.startsWith('event:')) return null;
  const end = text.indexOf('\n');
  return text.slice(text.charCodeAt(6) === 0x20 ? 7 : 6, end === -1 ? undefined : end).trim();
}

/** Events whose data the filter reads; the bulk (content deltas) is relayed unread. */
const READ = new Set(['message_start', 'message_delta', 'message_stop', 'error']);

/**
 * Relays a Messages stream byte for byte. Usage comes from `message_start` (input side) and
 * `message_delta` (cumulative; later counts replace earlier ones); the stream is complete at
 * `message_stop`; an `error` event is recorded.
 */
export function messagesStreamFilter(): StreamFilter {
  const usage: AnthropicUsage = {};
  let complete = false;
  let error: string | null = null;
  const merge = (u: AnthropicUsage | undefined) => {
    if (!u) return;
    for (const [k, v] of Object.entries(u) as [keyof AnthropicUsage, unknown][]) if (typeof v === 'number' && k !== 'output_tokens_details') usage[k] = v;
    if (u.output_tokens_details) usage.output_tokens_details = u.output_tokens_details;
  };
  return {
    event(text: string): string | null {
      const name = eventName(text);
      if (name !== null && !READ.has(name)) {
        const raw = sseData(text);
        if (raw !== null) checkEventData(raw);
        return text;
      }
      const ev = parseSseEvent(text);
      if (!ev) return text;
      let data: { type?: string; message?: { usage?: AnthropicUsage }; usage?: AnthropicUsage; error?: { type?: string; message?: string } };
      try {
        data = JSON.parse(ev.data) as typeof data;
      } catch {
        throw badEvent();
      }
      if (typeof data !== 'object' || data === null) throw badEvent();
      if (data.type === 'message_start') merge(data.message?.usage);
      else if (data.type === 'message_delta') merge(data.usage);
      else if (data.type === 'message_stop') complete = true;
      else if (data.type === 'error') error = `${data.error?.type ?? 'error'}: ${data.error?.message ?? ev.data}`;
      return text;
    },
    get complete() {
      return complete;
    },
    get usage() {
      return Object.keys(usage).length > 0 ? readAnthropicUsage(usage) : null;
    },
    get error() {
      return error;
    },
    errorEvent(err: GatehouseError): string {
      return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(err))}\n\n`;
    },
  };
}

const passThrough = <B extends Record<string, unknown>>({ body, text, requested, model }: { body: B; text: string | null; requested: string; model: string }) => ({
  body: { ...body, model },
  text: text && replaceModel(text, requested, model),
});

/** `POST /v1/messages`: what Claude Code and the Anthropic SDKs call. */
export const messages: ApiSurface<MessagesRequest> = {
  api: 'messages',
  route: { method: 'POST', path: '/v1/messages' },
  wantsStream: (body) => body.stream === true,
  upstreamBody: passThrough,
  usage: (response) => readAnthropicUsage((response as { usage?: AnthropicUsage } | null)?.usage),
  answer: MessagesAnswerSchema,
  streamFilter: () => messagesStreamFilter(),
  requestTexts,
  responseTexts,
  streamCodec: messagesCodec,
  errorBody: anthropicErrorBody,
};

/** `POST /v1/messages/count_tokens`: answered `{"input_tokens": N}`. */
export const countTokens: ApiSurface<CountTokensRequest> = {
  api: 'messages.count_tokens',
  route: { method: 'POST', path: '/v1/messages/count_tokens' },
  wantsStream: () => false,
  upstreamBody: passThrough,
  usage: (response) => {
    const n = (response as { input_tokens?: unknown } | null)?.input_tokens;
    return typeof n === 'number' ? { input: n, output: null, cached: null, reasoning: null } : null;
  },
  answer: CountTokensAnswerSchema,
  streamFilter: () => messagesStreamFilter(),
  requestTexts,
  responseTexts,
  streamCodec: null,
  errorBody: anthropicErrorBody,
};
