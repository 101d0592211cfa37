import { z } from 'zod';
import { ChatChunkWriter, chatCompletion, toolCallId, type ChatAnswerToolCall, type ChatUsage, type FinishReason } from '../chat-answer.js';
import { toolCallIdFor } from './tool-ids.js';
import type { GeminiCandidate, GeminiError, GeminiResponse, GeminiUsage } from './wire.js';

/** The parts of Gemini's answer the conversion reads, with their types; everything else passes unread. */
export const Usage = z.looseObject({}).optional();
export const Candidate = z.looseObject({ content: z.looseObject({ parts: z.array(z.looseObject({})).optional() }).optional(), finishReason: z.string().optional() });

/** One stream event: any part may be missing (the last may carry only usage), but what is there has its type. */
const StreamEventSchema = z.looseObject({ candidates: z.array(Candidate).optional(), promptFeedback: z.looseObject({}).optional(), usageMetadata: Usage, error: z.looseObject({}).optional() });

const BLOCKED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** Gemini's `finishReason` as OpenAI's; a turn that called functions ends in `tool_calls`, as OpenAI's do. */
export function finishReason(reason: string | undefined, calledTools: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason && BLOCKED.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}

/** `usageMetadata` as OpenAI usage: thinking tokens count as output, as OpenAI's reasoning tokens do. */
export function chatUsage(u: GeminiUsage): ChatUsage {
  const prompt = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
  const reasoning = u.thoughtsTokenCount ?? 0;
  const completion = (u.candidatesTokenCount ?? 0) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: u.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

function toolCallsOf(c: GeminiCandidate | undefined): ChatAnswerToolCall[] {
  return (c?.content?.parts ?? [])
    .filter((p) => p.functionCall)
    .map((p) => ({ id: toolCallIdFor(p.functionCall!.id ?? toolCallId(), p.thoughtSignature), type: 'function' as const, function: { name: p.functionCall!.name, arguments: JSON.stringify(p.functionCall!.args ?? {}) } }));
}

/** Answer text without thought summaries, which OpenAI's message content does not carry. */
function textOf(c: GeminiCandidate | undefined): string {
  return (c?.content?.parts ?? []).map((p) => (typeof p.text === 'string' && !p.thought ? p.text : '')).join('');
}

/** A complete `generateContent` answer as a `chat.completion`. */
export function geminiToChat(res: GeminiResponse, model: string): Record<string, unknown> {
  const candidate = res.candidates?.[0];
  const toolCalls = toolCallsOf(candidate);
  const text = textOf(candidate);
  // A prompt Gemini refused has no candidate, only promptFeedback.blockReason.
  const finish = candidate ? finishReason(candidate.finishReason, toolCalls.length > 0) : res.promptFeedback?.blockReason ? 'content_filter' : 'stop';
  return chatCompletion(model, { text: text || (toolCalls.length > 0 ? null : ''), toolCalls, finish, usage: res.usageMetadata ? chatUsage(res.usageMetadata) : null });
}

/**
 * Turns the events of `streamGenerateContent?alt=sse` into chat completion chunks. Gemini's
 * stream has no end marker: it is complete when a candidate carried its `finishReason`
 * and the response then ended, and only then are the usage chunk and `[DONE]` sent.
 */
export class GeminiStreamConverter {
  private readonly out: ChatChunkWriter;
  private finished: FinishReason | null = null;
  private failed = false;
  private usage: GeminiUsage | null = null;
  private tools = 0;

  constructor(model: string) {
    this.out = new ChatChunkWriter(model);
  }

  /** The chunks one upstream event (its `data:` JSON text) becomes. */
  event(data: string): string[] {
    if (this.failed) return [];
    const raw: unknown = JSON.parse(data);
    if (!StreamEventSchema.safeParse(raw).success) throw new Error('the event is not a generateContent response');
    const parsed = raw as GeminiResponse & GeminiError;
    if (parsed.error) {
      this.failed = true;
      const e = parsed.error;
      return [this.out.error(`${e.message ?? 'the provider reported an error'}${e.status ? ` (${e.status})` : ''}`, e.code === 429 ? 'rate_limit_error' : 'api_error', e.status ?? null)];
    }
    if (parsed.usageMetadata) this.usage = parsed.usageMetadata;
    const candidate = parsed.candidates?.[0];
    const chunks: string[] = [];
    const text = textOf(candidate);
    if (text) chunks.push(this.out.text(text));
    for (const call of toolCallsOf(candidate)) chunks.push(this.out.toolCall(this.tools++, call.id, call.function.name, call.function.arguments));
    if (candidate?.finishReason) this.finished = finishReason(candidate.finishReason, this.tools > 0);
    else if (!candidate && parsed.promptFeedback?.blockReason) this.finished = 'content_filter';
    if (this.finished && (candidate?.finishReason || parsed.promptFeedback?.blockReason)) chunks.push(this.out.finish(this.finished));
    return chunks;
  }

  /** The closing chunks when the upstream ended; nothing when it stopped short or failed. */
  end(): string[] {
    if (this.failed || this.finished === null) return [];
    return [...(this.usage ? [this.out.usage(chatUsage(this.usage))] : []), this.out.done()];
  }
}
