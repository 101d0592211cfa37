import type { ClientApi } from '../providers/types.js';

/**
 * How each client API's stream carries answer text, for the stream guard: which events hold
 * text deltas (and of which content block), which events close blocks, and which repeat the
 * whole text. The guard names no API; it asks the codec of the stream's API.
 */
export type EventData = Record<string, unknown>;

export interface TextDelta {
  /** The content block the text belongs to, e.g. a chat choice or an Anthropic block index. */
  key: string;
  text: string;
}

export interface StreamCodec {
  /** The text deltas an event carries. */
  deltas(data: EventData): TextDelta[];
  /** Blocks the event ends, whose held text must go out before it: `all`, or their keys. */
  closes(data: EventData): 'all' | string[];
  /** Sets the text of one block's delta in the event (in place). */
  setDelta(data: EventData, key: string, text: string): void;
  /** Whether the event, once its deltas are empty, says nothing else and can be left out. */
  droppable(data: EventData): boolean;
  /** Replaces the whole texts the event repeats (`done` events); true when it changed one. */
  setFull(data: EventData, textOf: (key: string) => string | undefined): boolean;
  render(name: string | null, data: EventData): string;
}

const isObj = (v: unknown): v is EventData => typeof v === 'object' && v !== null && !Array.isArray(v);
const choicesOf = (data: EventData): EventData[] => (Array.isArray(data.choices) ? data.choices.filter(isObj) : []);
const choiceKey = (c: EventData, i: number) => String(typeof c.index === 'number' ? c.index : i);

/** Chat completions: `choices[].delta.content`, a choice ends at its `finish_reason`. */
const chat: StreamCodec = {
  deltas(data) {
    const out: TextDelta[] = [];
    choicesOf(data).forEach((c, i) => {
      if (isObj(c.delta) && typeof c.delta.content === 'string') out.push({ key: choiceKey(c, i), text: c.delta.content });
    });
    return out;
  },
  closes(data) {
    const choices = choicesOf(data);
    // The usage chunk (no choices) comes after every choice finished.
    if (choices.length === 0) return 'all';
    return choices.flatMap((c, i) => (c.finish_reason != null ? [choiceKey(c, i)] : []));
  },
  setDelta(data, key, text) {
    choicesOf(data).forEach((c, i) => {
      if (choiceKey(c, i) === key && isObj(c.delta)) c.delta.content = text;
    });
  },
  droppable(data) {
    if (data.usage != null) return false;
    return choicesOf(data).every((c) => c.finish_reason == null && c.logprobs == null && isObj(c.delta) && Object.keys(c.delta).every((k) => k === 'content'));
  },
  setFull: () => false,
  render: (_name, data) => `data: ${JSON.stringify(data)}\n\n`,
};

/** Anthropic Messages: `content_block_delta` with a `text_delta`; a block ends at `content_block_stop`. */
const messages: StreamCodec = {
  deltas(data) {
    if (data.type !== 'content_block_delta' || !isObj(data.delta) || data.delta.type !== 'text_delta' || typeof data.delta.text !== 'string') return [];
    return [{ key: String(data.index), text: data.delta.text }];
  },
  closes(data) {
    if (data.type === 'content_block_stop') return [String(data.index)];
    return data.type === 'message_delta' || data.type === 'message_stop' || data.type === 'error' ? 'all' : [];
  },
  setDelta(data, _key, text) {
    if (isObj(data.delta)) data.delta.text = text;
  },
  droppable: () => true,
  setFull: () => false,
  render: (name, data) => `event: ${name ?? String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`,
};

/** Events after which a Responses output text is whole; they repeat it, or end the response. */
const RESPONSES_CLOSING = new Set([
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
  'response.failed',
  'response.incomplete',
  'error',
]);

const responsesKey = (outputIndex: unknown, contentIndex: unknown) => `${String(outputIndex)}:${String(contentIndex)}`;

/** Sets `text` of each output_text part of one output item's content. */
function setItemTexts(item: unknown, outputIndex: unknown, textOf: (key: string) => string | undefined): boolean {
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
 * Responses: `response.output_text.delta`, one block per output item and content part. Its
 * `done` events and `response.completed` repeat the whole text, so they carry what the
 * client was sent too.
 */
const responses: StreamCodec = {
  deltas(data) {
    if (data.type !== 'response.output_text.delta' || typeof data.delta !== 'string') return [];
    return [{ key: responsesKey(data.output_index, data.content_index), text: data.delta }];
  },
  closes: (data) => (RESPONSES_CLOSING.has(String(data.type)) ? 'all' : []),
  setDelta(data, _key, text) {
    data.delta = text;
  },
  droppable: () => true,
  setFull(data, textOf) {
    const key = responsesKey(data.output_index, data.content_index);
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

const CODECS: Partial<Record<ClientApi, StreamCodec>> = {
  'chat.completions': chat,
  messages,
  responses,
};

/** The codec of an API's stream; none for APIs that do not stream answer text. */
export function streamCodec(api: ClientApi): StreamCodec | null {
  return CODECS[api] ?? null;
}
