import { z } from 'zod';
import { openAIErrorBody, type GatehouseError } from '../core/errors.js';
import { badEvent, checkEventData, sseData } from '../stream/sse.js';
import { prependField, replaceModel } from './json-text.js';
import { ResponsesRequestSchema } from './responses.js';
import { requestTexts, responseTexts } from '../contracts/texts.js';
import { chatCodec } from './stream-codecs.js';
import type { ApiSurface, StreamFilter, Usage } from './types.js';

/**
 * Only what the gateway reads is checked; every other field, present or future, passes
 * through untouched (loose objects keep unknown keys).
 */
export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1, 'name a model, e.g. "demo/echo" or "<provider>/<model>"'),
  messages: z
    .array(z.looseObject({ role: z.string() }), { error: (iss) => (iss.input === undefined ? 'missing: send the conversation as messages (or Responses-style as input, without messages)' : undefined) })
    .min(1, 'send at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/**
 * Cursor's agent sends Responses-shaped bodies (`input`, no `messages`) to the chat route.
 * Such a body is served as a Responses request; anything else is a chat request.
 */
export function isResponsesShaped(body: Record<string, unknown>): boolean {
  return 'input' in body && !('messages' in body);
}

/** The schema a chat route body is checked against: its own API's. */
export function chatRouteSchemaFor(body: Record<string, unknown>): typeof ResponsesRequestSchema | typeof ChatCompletionRequestSchema {
  return isResponsesShaped(body) ? ResponsesRequestSchema : ChatCompletionRequestSchema;
}

/**
 * The chat route's body: a chat request, or a Responses request (see `isResponsesShaped`),
 * each checked against its own schema so a mistake is reported in its own terms.
 */
export const ChatRouteBodySchema = z.looseObject({}).superRefine((body, ctx) => {
  const result = chatRouteSchemaFor(body).safeParse(body);
  if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', input: body });
});

export const EmbeddingsRequestSchema = z.looseObject({
  model: z.string().min(1, 'name a model, e.g. "demo/echo" or "<provider>/<model>"'),
  input: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

/** OpenAI usage as the gateway reads it; servers may leave any count out. */
export const OpenAIUsageSchema = z
  .looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
    completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
  })
  .nullish();

/** A chat completion as the gateway reads it: its choices (output guardrails, translations) and usage. */
export const ChatCompletionAnswerSchema = z.looseObject({ choices: z.array(z.looseObject({ message: z.looseObject({}).nullish() })), usage: OpenAIUsageSchema });

const EmbeddingsAnswerSchema = z.looseObject({ data: z.array(z.looseObject({})), usage: OpenAIUsageSchema });

interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

function readUsage(u: OpenAIUsage | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  return {
    input: u.prompt_tokens ?? null,
    output: u.completion_tokens ?? null,
    cached: u.prompt_tokens_details?.cached_tokens ?? null,
    reasoning: u.completion_tokens_details?.reasoning_tokens ?? null,
  };
}

// `"usage":null` with unescaped quotes can only be a key: inside a JSON string the quotes are escaped.
const USAGE_NULL = /,\s*"usage"\s*:\s*null(?=\s*[,}])|"usage"\s*:\s*null\s*,\s*/g;

/**
 * The gateway always asks a provider for stream usage so every trace has token counts. A
 * client that did not ask must not see the difference: the `"usage":null` keys and the
 * extra usage chunk are taken out of what it receives.
 */
function chatStreamFilter(clientAskedUsage: boolean): StreamFilter {
  let usage: Usage | null = null;
  let complete = false;
  let error: string | null = null;
  return {
    event(text: string): string | null {
      const data = sseData(text);
      if (data === null) return text;
      if (data.trim() === '[DONE]') {
        complete = true;
        return text;
      }
      if (!text.includes('"usage"') && !text.includes('"error"')) {
        checkEventData(data);
        return text;
      }
      let parsed: { usage?: OpenAIUsage | null; choices?: unknown[]; error?: { message?: string } };
      try {
        parsed = JSON.parse(data) as typeof parsed;
      } catch {
        throw badEvent();
      }
      if (typeof parsed !== 'object' || parsed === null) throw badEvent();
      if (parsed.error) error = parsed.error.message ?? JSON.stringify(parsed.error);
      if (parsed.usage) usage = readUsage(parsed.usage);
      if (clientAskedUsage) return text;
      if (parsed.usage && Array.isArray(parsed.choices) && parsed.choices.length === 0) return null;
      return text.replace(USAGE_NULL, '');
    },
    get complete() {
      return complete;
    },
    get usage() {
      return usage;
    },
    get error() {
      return error;
    },
    errorEvent(err: GatehouseError): string {
      return `data: ${JSON.stringify(openAIErrorBody(err))}\n\n`;
    },
  };
}

// Every surface reads texts with the one walk in contracts/texts.ts, which knows every API's
// fields: a body that mixes in another API's field (a `system` on chat) is still scanned, and
// the dashboard numbers the same texts the same way.
export const chatCompletions: ApiSurface<ChatCompletionRequest> = {
  api: 'chat.completions',
  route: { method: 'POST', path: '/v1/chat/completions' },
  wantsStream: (body) => body.stream === true,
  upstreamBody({ body, text, requested, model, stream }) {
    const plain = { body: { ...body, model }, text: text && replaceModel(text, requested, model) };
    if (!stream || body.stream_options?.include_usage === true) return plain;
    const withUsage = { ...body, model, stream_options: { ...body.stream_options, include_usage: true } };
    // As text, the field can only be added where the body has none to merge with.
    const out = plain.text && !('stream_options' in body) ? prependField(plain.text, 'stream_options', { include_usage: true }) : null;
    return { body: withUsage, text: out, plain };
  },
  usage: (response) => readUsage((response as { usage?: OpenAIUsage } | null)?.usage),
  answer: ChatCompletionAnswerSchema,
  streamFilter: (body) => chatStreamFilter(body.stream_options?.include_usage === true),
  requestTexts,
  responseTexts,
  streamCodec: chatCodec,
  errorBody: openAIErrorBody,
};

export const embeddings: ApiSurface<EmbeddingsRequest> = {
  api: 'embeddings',
  route: { method: 'POST', path: '/v1/embeddings' },
  wantsStream: () => false,
  upstreamBody: ({ body, text, requested, model }) => ({ body: { ...body, model }, text: text && replaceModel(text, requested, model) }),
  usage: (response) => readUsage((response as { usage?: OpenAIUsage } | null)?.usage),
  answer: EmbeddingsAnswerSchema,
  streamFilter: () => chatStreamFilter(true),
  requestTexts,
  responseTexts,
  streamCodec: null,
  errorBody: openAIErrorBody,
};
