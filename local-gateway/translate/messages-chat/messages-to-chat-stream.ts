/**
 * A chat completions stream told as an Anthropic Messages stream, event by event. What
 * Claude Code checks, and what other gateways get wrong: exactly one `message_start`;
 * content blocks opened and closed in order, one at a time, with consecutive indexes
 * (thinking, text, each tool_use with its arguments as `input_json_delta`); thinking never
 * folded into text; one `message_delta` carrying the stop reason and the full usage; then
 * `message_stop`, only when the upstream sent `[DONE]`.
 */
import type { SseEvent, StreamTranslator } from '../types.js';
import { anthropicErrorEvent, anthropicErrorType, anthropicEvent, stopReasonOf } from './anthropic.js';
import type { ChatChunk, ChatChunkToolCall, ChatUsage } from './chat.js';
import { anthropicUsageOf, messageId } from './messages-to-chat.js';

type BlockKind = 'thinking' | 'text' | 'tool_use';

export function chatStreamToMessages(requestedModel: string): StreamTranslator {
  let started = false;
  let finished = false;
  /** Index of the block now open, or -1; blocks are numbered in the order they open. */
  let open = -1;
  let openKind: BlockKind | null = null;
  let nextIndex = 0;
  /** OpenAI tool-call index → Anthropic block index. */
  const toolBlocks = new Map<number, number>();
  let finishReason: string | null = null;
  let usage: ChatUsage | null = null;
  const out: string[] = [];

  function start(id: string | undefined): void {
    if (started) return;
    started = true;
    out.push(
      anthropicEvent({
        type: 'message_start',
        message: {
          id: messageId(id),
          type: 'message',
          role: 'assistant',
          model: requestedModel,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // Known only at the end: the final message_delta carries the real counts.
          usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
        },
      }),
    );
  }

  function close(): void {
    if (open === -1) return;
    out.push(anthropicEvent({ type: 'content_block_stop', index: open }));
    open = -1;
    openKind = null;
  }

  function openBlock(kind: BlockKind, block: Record<string, unknown>): number {
    close();
    open = nextIndex++;
    openKind = kind;
    out.push(anthropicEvent({ type: 'content_block_start', index: open, content_block: block }));
    return open;
  }

  function delta(kind: 'thinking' | 'text', text: string): void {
    if (openKind !== kind) openBlock(kind, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' });
    const d = kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text };
    out.push(anthropicEvent({ type: 'content_block_delta', index: open, delta: d }));
  }

  function toolCall(tc: ChatChunkToolCall, position: number): void {
    const key = tc.index ?? position;
    let index = toolBlocks.get(key);
    if (index === undefined) {
      const id = tc.id || `toolu_${key}_${Date.now().toString(36)}`;
      index = openBlock('tool_use', { type: 'tool_use', id, name: tc.function?.name ?? '', input: {} });
      toolBlocks.set(key, index);
    } else if (index !== open) {
      // Blocks cannot be reopened: arguments for an earlier call after a later one started.
      throw new Error(`tool call ${key} continued after another tool call began`);
    }
    const args = tc.function?.arguments;
    if (args) out.push(anthropicEvent({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } }));
  }

  function chunk(c: ChatChunk): void {
    if (c.error) {
      start(c.id);
      close();
      out.push(anthropicErrorEvent(anthropicErrorType(null, c.error.type ?? null), c.error.message ?? 'the provider failed mid-stream'));
      // Nothing may follow an error event, least of all a message_stop that would call it complete.
      finished = true;
      return;
    }
    start(c.id);
    if (c.usage) usage = c.usage;
    const choice = c.choices?.[0];
    if (!choice) return;
    const d = choice.delta ?? {};
    const thinking = d.reasoning_content ?? d.reasoning;
    if (thinking) delta('thinking', thinking);
    const text = d.content ?? d.refusal;
    if (text) delta('text', text);
    (d.tool_calls ?? []).forEach(toolCall);
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }

  function finish(): void {
    start(undefined);
    close();
    finished = true;
    out.push(
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: stopReasonOf(finishReason, toolBlocks.size > 0), stop_sequence: null },
        usage: anthropicUsageOf(usage),
      }),
      anthropicEvent({ type: 'message_stop' }),
    );
  }

  return {
    event(ev: SseEvent): string[] {
      if (finished) return [];
      if (ev.data.trim() === '[DONE]') finish();
      else chunk(JSON.parse(ev.data) as ChatChunk);
      return out.splice(0);
    },
    end: () => [],
  };
}
