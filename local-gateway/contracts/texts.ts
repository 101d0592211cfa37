/**
 * The message texts of a request or answer, per client API, as slots that can be read and
 * rewritten in place: guardrails scan the texts and a mutating guardrail writes redacted
 * ones back into the body that goes upstream.
 */
export interface TextSlot {
  text: string;
  set(value: string): void;
  /** Who wrote the text; `tool` for tool results and fetched content, which the user did not write. */
  kind?: TextKind;
}

export type TextKind = 'system' | 'user' | 'assistant' | 'tool';

// Guardrails get plain string arrays; the kind of each text rides beside the array, so the
// scan contract stays `scan(texts)` and a detector that cares (prompt injection weighs tool
// output higher) can ask for it.
const kindsOf = new WeakMap<readonly string[], readonly (TextKind | undefined)[]>();

/** The texts of some slots as the array guardrails scan, remembering each one's kind. */
export function slotTexts(slots: readonly TextSlot[]): string[] {
  const texts = slots.map((s) => s.text);
  kindsOf.set(texts, slots.map((s) => s.kind));
  return texts;
}

/** The kind of each text of an array made by `slotTexts` (or carried over by `keepKinds`); undefined when unknown. */
export function textKinds(texts: readonly string[]): readonly (TextKind | undefined)[] | undefined {
  return kindsOf.get(texts);
}

/** Gives `next` (the same texts after a redaction) the kinds of `prev`; returns `next`. */
export function keepKinds<T extends readonly string[]>(prev: readonly string[], next: T): T {
  const k = kindsOf.get(prev);
  if (k && next !== prev) kindsOf.set(next, k);
  return next;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(o: Obj, key: string, out: TextSlot[], kind?: TextKind): void {
  const v = o[key];
  if (typeof v === 'string') out.push({ text: v, set: (s) => void (o[key] = s), kind });
}

const ROLES: Record<string, TextKind> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool', function: 'tool' };
const roleKind = (m: Obj): TextKind | undefined => (typeof m.role === 'string' ? ROLES[m.role] : undefined);

/** A message content: a string, or parts whose text is under `text` (`text`, `input_text`, `output_text` parts). */
function content(o: Obj, key: string, out: TextSlot[], kind?: TextKind): void {
  const v = o[key];
  if (typeof v === 'string') return field(o, key, out, kind);
  if (!Array.isArray(v)) return;
  for (const part of v) {
    if (!isObj(part)) continue;
    field(part, 'text', out, kind);
    // Tool results carry their text one level down (Anthropic `tool_result`).
    if (part.type === 'tool_result') content(part, 'content', out, 'tool');
  }
}

function messages(list: unknown, out: TextSlot[]): void {
  if (!Array.isArray(list)) return;
  for (const m of list) if (isObj(m)) content(m, 'content', out, roleKind(m));
}

/** The texts a request sends the model: system prompts, messages, embeddings input. */
export function requestTexts(body: unknown): TextSlot[] {
  const out: TextSlot[] = [];
  if (!isObj(body)) return out;
  content(body, 'system', out, 'system');
  field(body, 'instructions', out, 'system');
  messages(body.messages, out);
  const input = body.input;
  if (typeof input === 'string') field(body, 'input', out, 'user');
  else if (Array.isArray(input)) {
    input.forEach((item, i) => {
      if (typeof item === 'string') out.push({ text: item, set: (s) => void (input[i] = s), kind: 'user' });
      // A Responses tool result is `{type: function_call_output, output}`: content the user did not write.
      else if (isObj(item) && item.type === 'function_call_output') field(item, 'output', out, 'tool');
      else if (isObj(item)) content(item, 'content', out, roleKind(item));
    });
  }
  return out;
}

/** The texts of a complete answer: chat `choices`, Anthropic `content`, Responses `output`. */
export function responseTexts(body: unknown): TextSlot[] {
  const out: TextSlot[] = [];
  if (!isObj(body)) return out;
  if (Array.isArray(body.choices)) {
    for (const c of body.choices) if (isObj(c) && isObj(c.message)) content(c.message, 'content', out);
  }
  if (Array.isArray(body.content)) content(body, 'content', out);
  messages(body.output, out);
  return out;
}

/**
 * The answer's text from an event stream as the client received it: chat deltas,
 * Anthropic `text_delta`s and Responses `output_text.delta`s, joined.
 */
export function streamText(sse: string): string {
  let text = '';
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') continue;
    let ev: unknown;
    try {
      ev = JSON.parse(data);
    } catch {
      continue;
    }
    if (!isObj(ev)) continue;
    if (Array.isArray(ev.choices)) {
      for (const c of ev.choices) if (isObj(c) && isObj(c.delta) && typeof c.delta.content === 'string') text += c.delta.content;
    } else if (isObj(ev.delta) && typeof ev.delta.text === 'string') text += ev.delta.text;
    else if (ev.type === 'response.output_text.delta' && typeof ev.delta === 'string') text += ev.delta;
  }
  return text;
}
