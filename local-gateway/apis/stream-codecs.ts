import { parseSseEvent } from '../stream/sse.js';

/**
 * How each client API's stream carries answer text, for the stream guard: which events hold
 * text deltas (and of which content block), which events close blocks, and which repeat the
 * whole text. The guard names no API; each surface (`apis/`) carries its stream's codec.
 */
export type EventData = Record<string, unknown>;

export interface TextDelta {
  /** The content block the text belongs to, e.g. a chat choice or an Anthropic block index. */
  key: string;
  text: string;
  /** Tool-call arguments: JSON text, so what is put back into it must be JSON-escaped. */
  json: boolean;
}

export interface StreamCodec {
  /** The text deltas an event carries. */
  deltas(data: EventData): TextDelta[];
  /** Blocks the event ends, whose held text must go out before it: `all`, or their keys. */
  closes(data: EventData): 'all' | string[];
  /** Sets the text of one block's delta in the event (in place). */
  setDelta(data: EventData, key: string, text: string): void;
  /** A delta event of its own for one block's held text, shaped like the block's last delta event. */
  synth(template: EventData, key: string, text: string): EventData;
  /** Whether the event, once its deltas are empty, says nothing else and can be left out. */
  droppable(data: EventData): boolean;
  /** Replaces the whole texts the event repeats (`done` events); true when it changed one. */
  setFull(data: EventData, textOf: (key: string) => string | undefined): boolean;
  render(name: string | null, data: EventData): string;
}

/** A copy of a delta event carrying other text: what Messages and Responses delta events hold is only the delta and where it goes. */
function cloneWith(codec: StreamCodec, template: EventData, key: string, text: string): EventData {
  const data = structuredClone(template);
  codec.setDelta(data, key, text);
  return data;
}

const isObj = (v: unknown): v is EventData => typeof v === 'object' && v !== null && !Array.isArray(v);
const choicesOf = (data: EventData): EventData[] => (Array.isArray(data.choices) ? data.choices.filter(isObj) : []);
const choiceKey = (c: EventData, i: number) => String(typeof c.index === 'number' ? c.index : i);
const indexOf = (o: EventData, i: number) => (typeof o.index === 'number' ? o.index : i);

/** A chat choice's tool calls that carry argument text, with their block keys. */
function toolArgs(c: EventData, key: string): { key: string; fn: EventData }[] {
  if (!isObj(c.delta) || !Array.isArray(c.delta.tool_calls)) return [];
  return c.delta.tool_calls.flatMap((t: unknown, j) => (isObj(t) && isObj(t.function) && typeof t.function.arguments === 'string' ? [{ key: `${key}:tool:${indexOf(t, j)}`, fn: t.function }] : []));
}

/** A tool-call delta with nothing but argument text in it. */
const bareToolDelta = (t: unknown) => isObj(t) && Object.keys(t).every((k) => k === 'index' || k === 'function') && isObj(t.function) && Object.keys(t.function).every((k) => k === 'arguments');

/**
 * Chat completions: `choices[].delta.content` and each tool call's `function.arguments`.
 * A `finish_reason` ends the answer (the usage chunk, with no choices, comes after it).
 */
export const chatCodec: StreamCodec = {
  deltas(data) {
    const out: TextDelta[] = [];
    choicesOf(data).forEach((c, i) => {
      const key = choiceKey(c, i);
      if (isObj(c.delta) && typeof c.delta.content === 'string') out.push({ key, text: c.delta.content, json: false });
      for (const t of toolArgs(c, key)) out.push({ key: t.key, text: t.fn.arguments as string, json: true });
    });
    return out;
  },
  closes(data) {
    const choices = choicesOf(data);
    return choices.length === 0 || choices.some((c) => c.finish_reason != null) ? 'all' : [];
  },
  setDelta(data, key, text) {
    choicesOf(data).forEach((c, i) => {
      if (choiceKey(c, i) === key && isObj(c.delta)) c.delta.content = text;
      for (const t of toolArgs(c, choiceKey(c, i))) if (t.key === key) t.fn.arguments = text;
    });
  },
  droppable(data) {
    if (data.usage != null) return false;
    return choicesOf(data).every(
      (c) =>
        c.finish_reason == null &&
        c.logprobs == null &&
        isObj(c.delta) &&
        Object.keys(c.delta).every((k) => k === 'content' || k === 'tool_calls') &&
        (!Array.isArray(c.delta.tool_calls) || c.delta.tool_calls.every(bareToolDelta)),
    );
  },
  synth(template, key, text) {
    // Only the text: a tool call's id and name, sent once, must not be sent again.
    const [choice, tool] = key.split(':tool:');
    const delta = tool === undefined ? { content: text } : { tool_calls: [{ index: Number(tool), function: { arguments: text } }] };
    return { ...template, choices: [{ index: Number(choice), delta, finish_reason: null }] };
  },
  setFull: () => false,
  render: (_name, data) => `data: ${JSON.stringify(data)}\n\n`,
};

/**
 * Anthropic Messages: `content_block_delta` with a `text_delta`, or a tool call's
 * `input_json_delta`; a block ends at `content_block_stop`.
 */
export const messagesCodec: StreamCodec = {
  deltas(data) {
    if (data.type !== 'content_block_delta' || !isObj(data.delta)) return [];
    const d = data.delta;
    if (d.type === 'text_delta' && typeof d.text === 'string') return [{ key: String(data.index), text: d.text, json: false }];
    if (d.type === 'input_json_delta' && typeof d.partial_json === 'string') return [{ key: String(data.index), text: d.partial_json, json: true }];
    return [];
  },
  closes(data) {
    if (data.type === 'content_block_stop') return [String(data.index)];
    return data.type === 'message_delta' || data.type === 'message_stop' || data.type === 'error' ? 'all' : [];
  },
  setDelta(data, _key, text) {
    if (!isObj(data.delta)) return;
    if (data.delta.type === 'input_json_delta') data.delta.partial_json = text;
    else data.delta.text = text;
  },
  droppable: () => true,
  synth: (template, key, text) => cloneWith(messagesCodec, template, key, text),
  setFull: () => false,
  render: (name, data) => `event: ${name ?? String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`,
};

/** Events after which a Responses output text is whole; they repeat it, or end the response. */
const RESPONSES_CLOSING = new Set([
  'response.output_text.done',
  'response.function_call_arguments.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
  'response.failed',
  'response.incomplete',
  'error',
]);

const responsesKey = (outputIndex: unknown, contentIndex: unknown) => `${String(outputIndex)}:${String(contentIndex)}`;
const argsKey = (outputIndex: unknown) => `${String(outputIndex)}:args`;

/** Sets `text` of each output_text part of one output item's content, or a function call's `arguments`. */
function setItemTexts(item: unknown, outputIndex: unknown, textOf: (key: string) => string | undefined): boolean {
  if (isObj(item) && item.type === 'function_call') {
    const args = textOf(argsKey(outputIndex));
    if (args === undefined || args === item.arguments) return false;
    item.arguments = args;
    return true;
  }
  if (!isObj(item) || !Array.isArray(item.content)) return false;
  let changed = false;
  item.content.forEach((part: unknown, ci) => {
    const text = textOf(responsesKey(outputIndex, ci));
    if (isObj(part) && part.type === 'output_text' && text !== undefined && part.text !== text) {
      part.text = text;
      changed = true;
    }
  });
  return changed;
}

/**
 * Responses: `response.output_text.delta`, one block per output item and content part, and
 * `response.function_call_arguments.delta`, one per function call. The `done` events and
 * `response.completed` repeat the whole text, so they carry what the client was sent too.
 */
export const responsesCodec: StreamCodec = {
  deltas(data) {
    if (typeof data.delta !== 'string') return [];
    if (data.type === 'response.output_text.delta') return [{ key: responsesKey(data.output_index, data.content_index), text: data.delta, json: false }];
    if (data.type === 'response.function_call_arguments.delta') return [{ key: argsKey(data.output_index), text: data.delta, json: true }];
    return [];
  },
  closes: (data) => (RESPONSES_CLOSING.has(String(data.type)) ? 'all' : []),
  setDelta(data, _key, text) {
    data.delta = text;
  },
  droppable: () => true,
  synth: (template, key, text) => cloneWith(responsesCodec, template, key, text),
  setFull(data, textOf) {
    const key = responsesKey(data.output_index, data.content_index);
    if (data.type === 'response.function_call_arguments.done') {
      const args = textOf(argsKey(data.output_index));
      if (args === undefined || args === data.arguments) return false;
      data.arguments = args;
      return true;
    }
    if (data.type === 'response.output_text.done') {
      const text = textOf(key);
      if (text === undefined || text === data.text) return false;
      data.text = text;
      return true;
    }
    if (data.type === 'response.content_part.done' && isObj(data.part) && data.part.type === 'output_text') {
      const text = textOf(key);
      if (text === undefined || text === data.part.text) return false;
      data.part.text = text;
      return true;
    }
    if (data.type === 'response.output_item.done') return setItemTexts(data.item, data.output_index, textOf);
    if (isObj(data.response) && Array.isArray(data.response.output)) {
      let changed = false;
      data.response.output.forEach((item: unknown, oi) => {
        changed = setItemTexts(item, oi, textOf) || changed;
      });
      return changed;
    }
    return false;
  },
  render: (name, data) => `event: ${name ?? String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`,
};

/** Each block's text in an event stream, in the order blocks appeared: what a guardrail scans at the stream's end. */
export function blockTexts(codec: StreamCodec, sse: string): string[] {
  const blocks = new Map<string, string>();
  for (const raw of sse.split(/\r?\n\r?\n/)) {
    const ev = parseSseEvent(raw);
    if (ev === null) continue;
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch {
      continue;
    }
    if (!isObj(data)) continue;
    for (const d of codec.deltas(data)) blocks.set(d.key, (blocks.get(d.key) ?? '') + d.text);
  }
  return [...blocks.values()];
}
