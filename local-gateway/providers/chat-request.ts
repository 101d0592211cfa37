import { z } from 'zod';
import { GatehouseError } from '../core/errors.js';

/**
 * The parts of an OpenAI chat completions request that adapters converting it to another
 * wire format read. The surface's schema checks only the envelope (a native provider judges
 * the rest itself); a converting adapter reads every field below, so it checks them first
 * with `readChatBody`: a wrong type is the caller's mistake, answered 400 naming the field.
 * Objects stay loose: fields a converter does not read pass as they came.
 */
const ContentPartSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  image_url: z.union([z.string(), z.looseObject({ url: z.string(), detail: z.string().nullish() })]).optional(),
});

const ToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string().optional() }),
});

const MessageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(ContentPartSchema)]).nullish(),
  name: z.string().nullish(),
  tool_calls: z.array(ToolCallSchema).nullish(),
  tool_call_id: z.string().nullish(),
});

const FunctionSchema = z.looseObject({
  name: z.string(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

// Other tool types (OpenAI's `custom`, hosted tools) carry no `function`; converters refuse or skip them.
const ToolSchema = z.looseObject({ type: z.string(), function: FunctionSchema.optional() }).refine((t) => t.type !== 'function' || t.function !== undefined, {
  message: 'a function tool needs its function: {"name", "parameters"}',
  path: ['function'],
});

const ToolChoiceSchema = z.union([z.string(), z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string() }).optional() })]);

const optionalNumber = z.number().nullish();

export const ChatRequestBodySchema = z.looseObject({
  model: z.string().optional(),
  messages: z.array(MessageSchema),
  tools: z.array(ToolSchema).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  temperature: optionalNumber,
  top_p: optionalNumber,
  max_tokens: optionalNumber,
  max_completion_tokens: optionalNumber,
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  n: optionalNumber,
  seed: optionalNumber,
  presence_penalty: optionalNumber,
  frequency_penalty: optionalNumber,
  response_format: z
    .looseObject({ type: z.string(), json_schema: z.looseObject({ name: z.string().optional(), schema: z.record(z.string(), z.unknown()).optional() }).optional() })
    .nullish(),
  reasoning_effort: z.string().nullish(),
  user: z.string().nullish(),
});

export type ChatRequestBody = z.infer<typeof ChatRequestBodySchema>;
export type ChatMessage = z.infer<typeof MessageSchema>;
export type ChatContentPart = z.infer<typeof ContentPartSchema>;
export type ChatToolCall = z.infer<typeof ToolCallSchema>;
export type ChatTool = z.infer<typeof ToolSchema>;
export type ChatToolChoice = z.infer<typeof ToolChoiceSchema>;
export type ChatFunctionTool = ChatTool & { type: 'function'; function: z.infer<typeof FunctionSchema> };

/** The tools a converter can offer: function tools (the schema made sure each has its function). */
export function functionTools(body: ChatRequestBody): ChatFunctionTool[] {
  return (body.tools ?? []).filter((t): t is ChatFunctionTool => t.type === 'function' && t.function !== undefined);
}

/**
 * The innermost issue: a union (`content` is a string or parts) reports at the union, but
 * the caller needs the part that is wrong, so the branch whose issue goes deepest is named.
 */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  let best: z.core.$ZodIssue = issue;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = innermost(inner);
      const path = [...issue.path, ...candidate.path];
      if (path.length > best.path.length) best = { ...candidate, path };
    }
  }
  return best;
}

/** `messages.1.tool_calls.0.id`, the form the schema refusals of every route use. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(body)';
}

/** The body checked for what a converter reads; a wrong type is a 400 naming its field. */
export function readChatBody(body: Record<string, unknown>): ChatRequestBody {
  const result = ChatRequestBodySchema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map(innermost);
  const details = issues.map((i) => `field ${fieldPath(i.path)}: ${i.message}`);
  throw invalid(`Invalid request: ${details.join('; ')}.`, fieldPath(issues[0]!.path));
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
