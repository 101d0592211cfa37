import { ChatChunkWriter, chatCompletion, type ChatUsage, type FinishReason } from '../chat-answer.js';
import type { ConverseResponse, ConverseStreamEvents, ConverseUsage } from './wire.js';

/** Converse's `stopReason` as OpenAI's `finish_reason`. */
export function finishReason(stop: string | undefined): FinishReason {
  if (stop === 'tool_use') return 'tool_calls';
  if (stop === 'max_tokens' || stop === 'model_context_window_exceeded') return 'length';
  if (stop === 'guardrail_intervened' || stop === 'content_filtered') return 'content_filter';
  return 'stop';
}

/**
 * Converse usage as OpenAI's. Bedrock's `inputTokens` leaves out tokens read from or written
 * to the prompt cache, while OpenAI's `prompt_tokens` counts every prompt token, cached or not.
 */
export function chatUsage(u: ConverseUsage): ChatUsage {
  const cacheRead = u.cacheReadInputTokens ?? 0;
  const prompt = (u.inputTokens ?? 0) + cacheRead + (u.cacheWriteInputTokens ?? 0);
  const completion = u.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } };
}

/** A complete Converse answer as a `chat.completion`; reasoning blocks are not part of OpenAI's message. */
export function converseToChat(res: ConverseResponse, model: string): Record<string, unknown> {
  const blocks = res.output?.message?.content ?? [];
  const text = blocks.map((b) => b.text ?? '').join('');
  const toolCalls = blocks
    .filter((b) => b.toolUse)
    .map((b) => ({ id: b.toolUse!.toolUseId, type: 'function' as const, function: { name: b.toolUse!.name, arguments: JSON.stringify(b.toolUse!.input ?? {}) } }));
  return chatCompletion(model, { text: text || (toolCalls.length > 0 ? null : ''), toolCalls, finish: finishReason(res.stopReason), usage: res.usage ? chatUsage(res.usage) : null });
}

/** Exception events of ConverseStream, with the HTTP status each stands for. */
const EXCEPTION_STATUS: Record<string, number> = {
  throttlingException: 429,
  serviceUnavailableException: 503,
  internalServerException: 500,
  modelStreamErrorException: 424,
  validationException: 400,
};

/**
 * Turns ConverseStream events into chat completion chunks. Text streams as content deltas,
 * a tool use as a tool call whose arguments stream as their JSON text arrives. The stream is
 * complete when `messageStop` came and the response ended; `metadata`, which follows it,
 * carries the usage. An exception event ends it with an error and no `[DONE]`.
 */
export class ConverseStreamConverter {
  private readonly out: ChatChunkWriter;
  /** Converse content block index → OpenAI tool call index. */
  private readonly toolIndex = new Map<number, number>();
  private stop: FinishReason | null = null;
  private usage: ConverseUsage | null = null;
  private failed = false;

  constructor(model: string) {
    this.out = new ChatChunkWriter(model);
  }

  event<K extends keyof ConverseStreamEvents>(type: K, payload: ConverseStreamEvents[K]): string[] {
    if (this.failed) return [];
    switch (type) {
      case 'contentBlockStart': {
        const p = payload as ConverseStreamEvents['contentBlockStart'];
        const use = p.start?.toolUse;
        if (!use) return [];
        const index = this.toolIndex.size;
        this.toolIndex.set(p.contentBlockIndex, index);
        return [this.out.toolCall(index, use.toolUseId, use.name, '')];
      }
      case 'contentBlockDelta': {
        const p = payload as ConverseStreamEvents['contentBlockDelta'];
        if (p.delta?.text) return [this.out.text(p.delta.text)];
        const index = this.toolIndex.get(p.contentBlockIndex);
        if (p.delta?.toolUse && index !== undefined) return [this.out.toolArguments(index, p.delta.toolUse.input)];
        return [];
      }
      case 'messageStop':
        this.stop = finishReason((payload as ConverseStreamEvents['messageStop']).stopReason);
        return [this.out.finish(this.stop)];
      case 'metadata':
        this.usage = (payload as ConverseStreamEvents['metadata']).usage ?? null;
        return [];
      default:
        return [];
    }
  }

  /** An exception event (`:message-type: exception`), e.g. `throttlingException`. */
  exception(type: string, message: string): string[] {
    if (this.failed) return [];
    this.failed = true;
    const status = EXCEPTION_STATUS[type] ?? 500;
    return [this.out.error(`${message} (${type})`, status === 429 ? 'rate_limit_error' : 'api_error', type)];
  }

  end(): string[] {
    if (this.failed || this.stop === null) return [];
    return [...(this.usage ? [this.out.usage(chatUsage(this.usage))] : []), this.out.done()];
  }
}
