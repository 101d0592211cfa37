import { z } from 'zod';
import { openAIErrorBody, type GatehouseError } from '../core/errors.js';
import { badEvent, checkEventData, parseSseEvent } from '../stream/sse.js';
import { replaceModel } from './json-text.js';
import { requestTexts, responseTexts } from '../contracts/texts.js';
import { responsesCodec } from './stream-codecs.js';
import type { ApiSurface, StreamFilter, Usage } from './types.js';

/**
 * OpenAI's Responses API (what Codex CLI speaks). Only what the gateway reads is checked;
 * `input` items, tools, reasoning, `include`, `prompt_cache_key`, `client_metadata` and any
 * future field pass through untouched.
 */
export const ResponsesRequestSchema = z.looseObject({
  model: z.string().min(1, 'name a model, e.g. "demo/echo" or "<provider>/<model>"'),
  input: z.union([z.string(), z.array(z.looseObject({}))], { error: 'input must be a string or an array of input items' }).optional(),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
});
export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;

/** A Responses answer as the gateway reads it: its output items (guardrails, translations) and usage. */
export const ResponsesAnswerSchema = z.looseObject({
  output: z.array(z.looseObject({})),
  usage: z
    .looseObject({
      input_tokens: z.number().nullish(),
      output_tokens: z.number().nullish(),
      input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
      output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

/** `usage` of a Responses answer (the `response` object, or `response.completed`'s). */
export interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

export function readResponsesUsage(u: ResponsesUsage | null | undefined): Usage | null {
  if (!u || typeof u !== 'object') return null;
  return {
    input: u.input_tokens ?? null,
    output: u.output_tokens ?? null,
    cached: u.input_tokens_details?.cached_tokens ?? null,
    reasoning: u.output_tokens_details?.reasoning_tokens ?? null,
  };
}

/** Stream events after which nothing follows: the answer is whole (or finally failed). */
const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);
/** Events the filter reads: the terminal ones, errors, and the first (for the response id). */
const NOTED = new Set([...TERMINAL, 'error', 'response.created']);
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/;
const TYPE = /^\s*\{\s*"type"\s*:\s*"([^"]+)"/;

interface StreamEventData {
  type?: string;
  sequence_number?: number;
  message?: string;
  code?: string | null;
  response?: { id?: string; usage?: ResponsesUsage | null; error?: { message?: string; code?: string } | null };
}

/** The events a Responses client is told a stream failed with: `error`, then `response.failed`. */
export function responsesFailureEvents(err: { code: string; message: string }, seq: number, responseId: string, model = ''): string {
  const error = { type: 'error', code: err.code, message: err.message, param: null, sequence_number: seq };
  const failed = {
    type: 'response.failed',
    sequence_number: seq + 1,
    response: { id: responseId, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'failed', error: { code: err.code, message: err.message }, incomplete_details: null, model, output: [], usage: null },
  };
  return `event: error\ndata: ${JSON.stringify(error)}\n\nevent: response.failed\ndata: ${JSON.stringify(failed)}\n\n`;
}

/**
 * Relays Responses events as sent. Complete at a terminal event; `response.failed` and `error`
 * events record the provider's error; usage comes from the terminal event's response.
 */
function responsesStreamFilter(): StreamFilter {
  let usage: Usage | null = null;
  let complete = false;
  let error: string | null = null;
  let seq = 0;
  let responseId = 'resp_gatehouse_failed';
  return {
    event(text: string): string | null {
      const ev = parseSseEvent(text);
      if (ev === null) return text;
      const seqMatch = SEQUENCE.exec(ev.data);
      if (seqMatch) seq = Number(seqMatch[1]);
      // Deltas are most of a stream: only the events that say something to the gateway are parsed.
      const named = ev.event ?? TYPE.exec(ev.data)?.[1] ?? null;
      if (named !== null && !NOTED.has(named)) {
        checkEventData(ev.data);
        return text;
      }
      let data: StreamEventData;
      try {
        data = JSON.parse(ev.data) as StreamEventData;
      } catch {
        throw badEvent();
      }
      if (typeof data !== 'object' || data === null) throw badEvent();
      const type = data.type ?? named;
      if (data.response?.id) responseId = data.response.id;
      if (type === 'error') error = data.message ?? JSON.stringify(data);
      if (type === 'response.failed') error = data.response?.error?.message ?? error ?? 'the response failed';
      if (type && TERMINAL.has(type)) {
        complete = true;
        usage = readResponsesUsage(data.response?.usage);
      }
      return text;
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
      return responsesFailureEvents(err, seq + 1, responseId);
    },
  };
}

export const responses: ApiSurface<ResponsesRequest> = {
  api: 'responses',
  route: { method: 'POST', path: '/v1/responses' },
  wantsStream: (body) => body.stream === true,
  // Pass-through keeps the client's text: Codex bodies carry hundreds of KiB of history.
  upstreamBody: ({ body, text, requested, model }) => ({ body: { ...body, model }, text: text && replaceModel(text, requested, model) }),
  usage: (response) => readResponsesUsage((response as { usage?: ResponsesUsage } | null)?.usage),
  answer: ResponsesAnswerSchema,
  streamFilter: () => responsesStreamFilter(),
  requestTexts,
  responseTexts,
  streamCodec: responsesCodec,
  errorBody: openAIErrorBody,
};
