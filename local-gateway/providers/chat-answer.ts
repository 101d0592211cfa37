import { randomUUID } from 'node:crypto';
import { SseSplitter, parseSseEvent } from '../stream/sse.js';
import { readText } from './http.js';
import type { UpstreamResponse } from './types.js';

/**
 * What adapters that convert a provider's native answer produce: OpenAI chat completions,
 * complete or as `chat.completion.chunk` events, so the pipeline stays provider-agnostic.
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export interface ChatAnswerToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatAnswer {
  text: string | null;
  toolCalls: ChatAnswerToolCall[];
  finish: FinishReason;
  usage: ChatUsage | null;
}

export const chatId = (): string => `chatcmpl-${randomUUID().replace(/-/g, '')}`;
export const toolCallId = (): string => `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
const now = () => Math.floor(Date.now() / 1000);

/** The `chat.completion` object for a converted answer. */
export function chatCompletion(model: string, a: ChatAnswer, id = chatId()): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: a.text, refusal: null };
  if (a.toolCalls.length > 0) message.tool_calls = a.toolCalls;
  return {
    id,
    object: 'chat.completion',
    created: now(),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: a.finish }],
    ...(a.usage ? { usage: a.usage } : {}),
  };
}

/** Writes `chat.completion.chunk` events as SSE text; the first delta carries the role. */
export class ChatChunkWriter {
  private readonly id = chatId();
  private readonly created = now();
  private roleSent = false;

  constructor(private readonly model: string) {}

  private chunk(delta: Record<string, unknown>, finish: FinishReason | null): string {
    if (!this.roleSent) {
      this.roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    const body = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  text(text: string): string {
    return this.chunk({ content: text }, null);
  }

  /** A tool call's first delta: id, name and the arguments so far (possibly all of them). */
  toolCall(index: number, id: string, name: string, args: string): string {
    return this.chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] }, null);
  }

  toolArguments(index: number, args: string): string {
    return this.chunk({ tool_calls: [{ index, function: { arguments: args } }] }, null);
  }

  finish(reason: FinishReason): string {
    return this.chunk({}, reason);
  }

  /** The usage chunk OpenAI sends after the finish when `include_usage` was asked (the gateway always asks). */
  usage(usage: ChatUsage): string {
    const body = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage };
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  /** A provider's in-stream error, as OpenAI reports one: the stream then ends without `[DONE]`. */
  error(message: string, type: string, code: string | null): string {
    return `data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\n`;
  }

  done(): string {
    return 'data: [DONE]\n\n';
  }
}

/** The OpenAI error type a provider's HTTP status stands for. */
export function errorTypeFor(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'api_error';
}

/** A provider's error re-worded as an OpenAI error body, which the gateway's error path reads. */
export function openAIErrorText(status: number, message: string, code: string | null): string {
  return JSON.stringify({ error: { message, type: errorTypeFor(status), param: null, code } });
}

/** Headers of the provider's answer that no longer describe the converted body. */
function convertedHeaders(headers: Record<string, string>, contentType: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding') out[k] = v;
  out['content-type'] = contentType;
  return out;
}

function fromText(status: number, headers: Record<string, string>, text: () => Promise<string>, dispose: () => void): UpstreamResponse {
  async function* body(): AsyncIterable<Uint8Array> {
    yield Buffer.from(await text());
  }
  return { status, headers, body: body(), text, dispose };
}

/** The provider's error answer, re-worded (and its status corrected) once it is read. */
export async function convertedError(
  up: UpstreamResponse,
  convert: (text: string, status: number) => { status: number; text: string; headers?: Record<string, string> },
): Promise<UpstreamResponse> {
  const { status, text, headers } = convert(await up.text(), up.status);
  return fromText(status, { ...convertedHeaders(up.headers, 'application/json'), ...headers }, async () => text, up.dispose);
}

/** The provider's complete answer, converted when it is read. */
export function convertedJson(up: UpstreamResponse, convert: (text: string) => string): UpstreamResponse {
  let once: Promise<string> | null = null;
  const text = () => (once ??= up.text().then(convert));
  return fromText(up.status, convertedHeaders(up.headers, 'application/json'), text, up.dispose);
}

/** Events of a provider's SSE stream, as their `data:` text, as each one completes. */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const splitter = new SseSplitter();
  for await (const chunk of body) {
    for (const raw of splitter.push(chunk)) {
      const ev = parseSseEvent(raw.toString('utf8'));
      if (ev) yield ev.data;
    }
  }
  const rest = splitter.rest();
  const ev = rest && parseSseEvent(rest.toString('utf8'));
  if (ev) yield ev.data;
}

/** The provider's stream, converted to chat completion chunks as each event arrives. */
export function convertedStream(up: UpstreamResponse, events: AsyncIterable<string>): UpstreamResponse {
  async function* body(): AsyncIterable<Uint8Array> {
    for await (const e of events) yield Buffer.from(e);
  }
  const stream = body();
  return { status: up.status, headers: convertedHeaders(up.headers, 'text/event-stream'), body: stream, text: () => readText(stream), dispose: up.dispose };
}
