import {
  newMeta,
  outputText,
  randomId,
  responseObject,
  type Ending,
  type FunctionCallItem,
  type MessageItem,
  type OutputItem,
  type OutputOptions,
  type ReasoningItem,
  type ResponseMeta,
  type TokenCounts,
} from './output.js';

type Open =
  | { kind: 'message'; index: number; item: MessageItem; text: string }
  | { kind: 'reasoning'; index: number; item: ReasoningItem; text: string }
  | { kind: 'call'; index: number; item: FunctionCallItem };

/**
 * Writes a Responses event stream from a translated provider's deltas, in the order
 * api.openai.com sends it: `response.created`, `response.in_progress`, then per output item
 * `output_item.added` → (content part / summary part added → deltas → done) → `output_item.done`,
 * and last `response.completed` (or `response.incomplete`) with the whole response and usage.
 * Every event carries a `sequence_number`; an item's id is the same in all its events.
 */
export class ResponsesStreamWriter {
  private seq = 0;
  private started = false;
  private finished = false;
  private readonly output: OutputItem[] = [];
  private open: Open | null = null;
  /** Function calls by the provider's key for them (chat: tool index; Anthropic: block index). */
  private readonly calls = new Map<string, Open & { kind: 'call' }>();
  private readonly meta: ResponseMeta;
  private readonly newId: (prefix: string) => string;

  constructor(model: string, opts: OutputOptions = {}) {
    this.meta = newMeta(model, opts);
    this.newId = opts.newId ?? randomId;
  }

  private emit(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...fields })}\n\n`;
  }

  /** The opening events, once; every other method calls it first. */
  start(): string[] {
    if (this.started) return [];
    this.started = true;
    const response = responseObject(this.meta, 'in_progress', [], null);
    return [this.emit('response.created', { response }), this.emit('response.in_progress', { response })];
  }

  /** Closes the open item (a content block ended, or another kind of item begins). */
  close(): string[] {
    const o = this.open;
    if (!o) return [];
    this.open = null;
    const at = { item_id: o.item.id, output_index: o.index };
    if (o.kind === 'message') {
      const part = outputText(o.text);
      o.item.content = [part];
      o.item.status = 'completed';
      return [
        this.emit('response.output_text.done', { ...at, content_index: 0, text: o.text, logprobs: [] }),
        this.emit('response.content_part.done', { ...at, content_index: 0, part }),
        this.emit('response.output_item.done', { output_index: o.index, item: o.item }),
      ];
    }
    if (o.kind === 'reasoning') {
      const part = { type: 'summary_text' as const, text: o.text };
      o.item.summary = [part];
      return [
        this.emit('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: o.text }),
        this.emit('response.reasoning_summary_part.done', { ...at, summary_index: 0, part }),
        this.emit('response.output_item.done', { output_index: o.index, item: o.item }),
      ];
    }
    // Calls without arguments (a tool with no parameters) still carry a JSON object.
    if (o.item.arguments === '') o.item.arguments = '{}';
    o.item.status = 'completed';
    return [
      this.emit('response.function_call_arguments.done', { ...at, name: o.item.name, arguments: o.item.arguments }),
      this.emit('response.output_item.done', { output_index: o.index, item: o.item }),
    ];
  }

  private add<T extends OutputItem>(item: T): { events: string[]; index: number } {
    const events = [...this.start(), ...this.close()];
    const index = this.output.push(item) - 1;
    events.push(this.emit('response.output_item.added', { output_index: index, item: { ...item } }));
    return { events, index };
  }

  text(delta: string): string[] {
    if (delta === '') return [];
    const out: string[] = [];
    if (this.open?.kind !== 'message') {
      const item: MessageItem = { id: this.newId('msg'), type: 'message', status: 'in_progress', content: [], role: 'assistant' };
      const { events, index } = this.add(item);
      out.push(...events, this.emit('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: outputText('') }));
      this.open = { kind: 'message', index, item, text: '' };
    }
    const o = this.open!;
    o.text += delta;
    out.push(this.emit('response.output_text.delta', { item_id: o.item.id, output_index: o.index, content_index: 0, delta, logprobs: [] }));
    return out;
  }

  reasoning(delta: string): string[] {
    if (delta === '') return [];
    const out: string[] = [];
    if (this.open?.kind !== 'reasoning') {
      const item: ReasoningItem = { id: this.newId('rs'), type: 'reasoning', summary: [] };
      const { events, index } = this.add(item);
      const part = { type: 'summary_text', text: '' };
      out.push(...events, this.emit('response.reasoning_summary_part.added', { item_id: item.id, output_index: index, summary_index: 0, part }));
      this.open = { kind: 'reasoning', index, item, text: '' };
    }
    const o = this.open!;
    o.text += delta;
    out.push(this.emit('response.reasoning_summary_text.delta', { item_id: o.item.id, output_index: o.index, summary_index: 0, delta }));
    return out;
  }

  /** Attaches what replays the open reasoning item (e.g. Anthropic's thinking signature). */
  reasoningEncrypted(value: string): void {
    if (this.open?.kind === 'reasoning') this.open.item.encrypted_content = value;
  }

  /** A reasoning item with no readable text, only what replays it (Anthropic's redacted thinking). */
  opaqueReasoning(encrypted: string): string[] {
    const item: ReasoningItem = { id: this.newId('rs'), type: 'reasoning', summary: [], encrypted_content: encrypted };
    const { events, index } = this.add(item);
    events.push(this.emit('response.output_item.done', { output_index: index, item }));
    return events;
  }

  hasCall(key: string): boolean {
    return this.calls.has(key);
  }

  call(key: string, callId: string, name: string): string[] {
    const item: FunctionCallItem = { id: this.newId('fc'), type: 'function_call', status: 'in_progress', arguments: '', call_id: callId, name };
    const { events, index } = this.add(item);
    const open = { kind: 'call' as const, index, item };
    this.calls.set(key, open);
    this.open = open;
    return events;
  }

  callArguments(key: string, delta: string): string[] {
    const o = this.calls.get(key);
    if (!o || delta === '') return [];
    o.item.arguments += delta;
    return [this.emit('response.function_call_arguments.delta', { item_id: o.item.id, output_index: o.index, delta })];
  }

  /** The terminal event, after closing what is open: `response.completed` or `response.incomplete`. */
  finish(ending: Ending, usage: TokenCounts): string[] {
    if (this.finished) return [];
    this.finished = true;
    const out = [...this.start(), ...this.close()];
    const response = responseObject(this.meta, ending.status, this.output, usage, { reason: ending.reason });
    out.push(this.emit(ending.status === 'completed' ? 'response.completed' : 'response.incomplete', { response }));
    return out;
  }

  /** The provider failed mid-stream: `error`, then `response.failed` (what OpenAI sends). */
  fail(code: string, message: string): string[] {
    if (this.finished) return [];
    this.finished = true;
    const out = this.start();
    out.push(this.emit('error', { code, message, param: null }));
    out.push(this.emit('response.failed', { response: responseObject(this.meta, 'failed', this.output, null, { error: { code, message } }) }));
    return out;
  }

  get done(): boolean {
    return this.finished;
  }
}
