import { chatCompletion, type ChatUsage, type FinishReason } from '../chat-answer.js';
import type { ConverseResponse, ConverseUsage } from './wire.js';

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
