import { GatehouseError } from '../core/errors.js';

/**
 * The parts of an OpenAI chat completions request that adapters converting it to another
 * wire format read. The surface's zod schema checked the envelope; these fields are read
 * defensively, and what cannot be converted is refused with a coded error.
 */
export interface ChatContentPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string } | string;
}

export interface ChatToolCall {
  id: string;
  type?: string;
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: string;
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}

export interface ChatTool {
  type: string;
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: string; function?: { name: string } };

export interface ChatRequestBody {
  model?: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  response_format?: { type: string; json_schema?: { name?: string; schema?: Record<string, unknown> } } | null;
  reasoning_effort?: string | null;
}

export function invalid(message: string, param: string): GatehouseError {
  return new GatehouseError('GH_ERR_INVALID_REQUEST', message, { param });
}

/** The text of a message's content, parts joined; images and other parts are not text. */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** The content as parts, a plain string being one text part. */
export function contentParts(content: ChatMessage['content']): ChatContentPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return Array.isArray(content) ? content : [];
}

export function imageUrlOf(part: ChatContentPart): string | null {
  const u = part.image_url;
  if (typeof u === 'string') return u;
  return u && typeof u.url === 'string' ? u.url : null;
}

/** `data:image/png;base64,AAAA` → its media type and base64 payload; null for other URLs. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!.toLowerCase(), data: m[2]! } : null;
}

/** A tool call's `arguments` text as the object other APIs carry. */
export function parseArguments(call: ChatToolCall, param: string): Record<string, unknown> {
  const text = call.function.arguments;
  if (text === undefined || text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Reported below, with what to fix.
  }
  throw invalid(`The arguments of tool call "${call.id}" are not a JSON object: send the arguments the model produced, unchanged.`, param);
}

/** Tool call id → function name, from the assistant turns: other APIs name the function on each result. */
export function toolNamesById(messages: ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) for (const c of m.tool_calls ?? []) names.set(c.id, c.function.name);
  return names;
}

export function maxTokens(body: ChatRequestBody): number | undefined {
  return body.max_completion_tokens ?? body.max_tokens ?? undefined;
}

export function stopSequences(body: ChatRequestBody): string[] | undefined {
  if (body.stop === undefined || body.stop === null) return undefined;
  return Array.isArray(body.stop) ? body.stop : [body.stop];
}

/** Drops keys whose value is undefined, so converted bodies carry only what was asked. */
export function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
