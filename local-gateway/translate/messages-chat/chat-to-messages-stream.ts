/**
 * An Anthropic Messages stream told as a chat completions stream, event by event: the role
 * chunk at `message_start`, text and thinking (`reasoning_content`) deltas, tool calls by
 * their index with the arguments as they stream, the finish reason at `message_delta`, and
 * at `message_stop` a usage chunk then `[DONE]`. The chat surface drops the usage chunk for
 * clients that did not ask for it.
 */
import type { SseEvent, StreamTranslator } from '../types.js';
import { finishReasonOf, type AnthropicBlock, type AnthropicUsage } from './anthropic.js';
import { CHAT_DONE, chatEvent } from './chat.js';
import { chatUsageOf, completionId } from './chat-to-messages.js';

interface AnthropicStreamEvent {
  type: string;
  index?: number;
  message?: { id?: string; usage?: AnthropicUsage };
  content_block?: AnthropicBlock;
  delta?: { type?: string; text?: string; thinking?: string; partial_json?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

export function messagesStreamToChat(requestedModel: string): StreamTranslator {
  let id = completionId(undefined);
  const created = Math.floor(Date.now() / 1000);
  const usage: AnthropicUsage = {};
  /** Anthropic block index → OpenAI tool-call index. */
  const toolIndexes = new Map<number, number>();
  let done = false;

  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    chatEvent({ id, object: 'chat.completion.chunk', created, model: requestedModel, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

  /** Later counts replace earlier ones: message_delta's usage is cumulative. */
  function addUsage(u: AnthropicUsage | undefined): void {
    if (!u) return;
    Object.assign(usage, Object.fromEntries(Object.entries(u).filter(([, v]) => v !== null && v !== undefined)));
  }

  function blockStart(ev: AnthropicStreamEvent): string[] {
    const block = ev.content_block;
    if (block?.type !== 'tool_use' || ev.index === undefined) return [];
    const toolIndex = toolIndexes.size;
    toolIndexes.set(ev.index, toolIndex);
    return [chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
  }

  function blockDelta(ev: AnthropicStreamEvent): string[] {
    const d = ev.delta ?? {};
    if (d.type === 'text_delta' && d.text) return [chunk({ content: d.text })];
    if (d.type === 'thinking_delta' && d.thinking) return [chunk({ reasoning_content: d.thinking })];
    if (d.type === 'input_json_delta' && d.partial_json) {
      const toolIndex = ev.index === undefined ? undefined : toolIndexes.get(ev.index);
      if (toolIndex === undefined) return [];
      return [chunk({ tool_calls: [{ index: toolIndex, function: { arguments: d.partial_json } }] })];
    }
    return [];
  }

  function translate(ev: AnthropicStreamEvent): string[] {
    switch (ev.type) {
      case 'message_start':
        id = completionId(ev.message?.id);
        addUsage(ev.message?.usage);
        return [chunk({ role: 'assistant', content: '' })];
      case 'content_block_start':
        return blockStart(ev);
      case 'content_block_delta':
        return blockDelta(ev);
      case 'message_delta':
        addUsage(ev.usage);
        return [chunk({}, finishReasonOf(ev.delta?.stop_reason))];
      case 'message_stop':
        done = true;
        return [chatEvent({ id, object: 'chat.completion.chunk', created, model: requestedModel, choices: [], usage: chatUsageOf(usage) }), CHAT_DONE];
      case 'error':
        done = true;
        return [chatEvent({ error: { message: ev.error?.message ?? 'the provider failed mid-stream', type: ev.error?.type ?? 'api_error', param: null, code: null } })];
      default:
        // ping, content_block_stop, signature and citation deltas: nothing a chat client reads.
        return [];
    }
  }

  return {
    event(ev: SseEvent): string[] {
      if (done) return [];
      return translate(JSON.parse(ev.data) as AnthropicStreamEvent);
    },
    end: () => [],
  };
}
