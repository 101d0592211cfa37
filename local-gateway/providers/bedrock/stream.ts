import { GatehouseError } from '../../core/errors.js';
import { ChatChunkWriter, type FinishReason } from '../chat-answer.js';
import { eventStreamMessages } from './event-stream.js';
import { chatUsage, finishReason } from './response.js';
import type { ConverseStreamEvents, ConverseUsage } from './wire.js';

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
        // Bedrock opens each tool input with an empty delta; it adds nothing for the client.
        if (p.delta?.toolUse?.input && index !== undefined) return [this.out.toolArguments(index, p.delta.toolUse.input)];
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

/** A ConverseStream body (binary event stream) as chat completion chunk events, converted as they arrive. */
export async function* converseStreamToChat(body: AsyncIterable<Uint8Array>, model: string): AsyncIterable<string> {
  const converter = new ConverseStreamConverter(model);
  for await (const m of eventStreamMessages(body)) {
    const kind = m.headers[':message-type'];
    let payload: { message?: string } & Record<string, unknown>;
    try {
      payload = m.payload ? (JSON.parse(m.payload) as typeof payload) : {};
    } catch (err) {
      throw new GatehouseError('GH_ERR_UPSTREAM_BAD_RESPONSE', `Bedrock sent a stream event Gatehouse could not read (${(err as Error).message}): retry the request.`, { cause: err });
    }
    if (kind === 'event') yield* converter.event(m.headers[':event-type'] as keyof ConverseStreamEvents, payload as never);
    else if (kind === 'exception') yield* converter.exception(m.headers[':exception-type'] ?? 'exception', payload.message ?? m.payload);
    else if (kind === 'error') yield* converter.exception(m.headers[':error-code'] ?? 'error', m.headers[':error-message'] ?? 'the provider reported an error');
  }
  yield* converter.end();
}
