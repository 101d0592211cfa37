/**
 * Reads a Responses request into neutral turns and tools that each translation maps to its
 * provider's API. Responses input is a list of items (messages, function calls and their
 * outputs, reasoning); chat completions and Anthropic Messages are lists of role messages.
 */
import { GatehouseError } from '../../core/errors.js';

export type UserPart = { type: 'text'; text: string } | { type: 'image'; url: string; detail: string | null };

export type Turn =
  | { kind: 'system'; text: string }
  | { kind: 'user'; parts: UserPart[] }
  | { kind: 'assistant'; text: string }
  | { kind: 'call'; callId: string; name: string; arguments: string }
  | { kind: 'result'; callId: string; output: string }
  /** The model's reasoning from an earlier turn; `encrypted` is what the provider gave to replay it. */
  | { kind: 'reasoning'; text: string; encrypted: string | null };

export interface FunctionTool {
  name: string;
  description: string | null;
  parameters: Record<string, unknown>;
  strict: boolean | null;
}

export type ToolChoice = { kind: 'auto' | 'none' | 'required' } | { kind: 'function'; name: string } | null;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function invalid(where: string, what: string): GatehouseError {
  return new GatehouseError('GH_ERR_INVALID_REQUEST', `Invalid request: ${where} ${what}.`, { param: where });
}

/** Text of a content that may be a string or a list of parts (output text, refusals, input text). */
export function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: unknown) => (isObj(p) ? (str(p.text) ?? str(p.refusal) ?? '') : '')).join('');
}

function userParts(content: unknown, where: string): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`${where}.content`, 'must be a string or a list of content parts');
  const parts: UserPart[] = [];
  content.forEach((p: unknown, i) => {
    if (!isObj(p)) throw invalid(`${where}.content.${i}`, 'must be an object');
    if (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') parts.push({ type: 'text', text: str(p.text) ?? '' });
    else if (p.type === 'input_image') {
      const url = str(p.image_url);
      if (!url) throw invalid(`${where}.content.${i}`, 'is an input_image without image_url (file_id images need the OpenAI provider)');
      parts.push({ type: 'image', url, detail: str(p.detail) });
    } else throw invalid(`${where}.content.${i}`, `has type "${String(p.type)}", which this provider cannot take: send input_text or input_image`);
  });
  return parts;
}

function messageTurn(item: Obj, where: string): Turn {
  const role = item.role;
  if (role === 'system' || role === 'developer') return { kind: 'system', text: partsText(item.content) };
  if (role === 'assistant') return { kind: 'assistant', text: partsText(item.content) };
  if (role === 'user') return { kind: 'user', parts: userParts(item.content, where) };
  throw invalid(`${where}.role`, `is "${String(role)}": use user, assistant, system or developer`);
}

/** Output of a tool call: a string, or content parts whose text is joined. */
function outputText(output: unknown): string {
  return typeof output === 'string' ? output : partsText(output);
}

/**
 * The request's instructions and input as turns. Reasoning items are kept for translations
 * that can replay them (Anthropic thinking); the others skip them. Records of built-in tool
 * calls (web search and the like) are dropped; the model's answer after them is in the history.
 */
export function readTurns(body: Obj): Turn[] {
  if (typeof body.previous_response_id === 'string') {
    throw invalid('previous_response_id', "needs OpenAI's stored responses, which this provider does not have: send the whole conversation in input (as Codex does)");
  }
  const turns: Turn[] = [];
  const instructions = str(body.instructions);
  if (instructions) turns.push({ kind: 'system', text: instructions });
  const input = body.input;
  if (typeof input === 'string') {
    turns.push({ kind: 'user', parts: [{ type: 'text', text: input }] });
    return turns;
  }
  if (!Array.isArray(input)) return turns;
  input.forEach((item: unknown, i) => {
    const where = `input.${i}`;
    if (!isObj(item)) throw invalid(where, 'must be an object');
    const type = item.type ?? 'message';
    if (type === 'message') turns.push(messageTurn(item, where));
    else if (type === 'function_call') {
      turns.push({ kind: 'call', callId: str(item.call_id) ?? str(item.id) ?? `call_${i}`, name: str(item.name) ?? '', arguments: str(item.arguments) ?? '{}' });
    } else if (type === 'custom_tool_call') {
      turns.push({ kind: 'call', callId: str(item.call_id) ?? `call_${i}`, name: str(item.name) ?? '', arguments: JSON.stringify({ input: str(item.input) ?? '' }) });
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      turns.push({ kind: 'result', callId: str(item.call_id) ?? '', output: outputText(item.output) });
    } else if (type === 'reasoning') {
      const summary = Array.isArray(item.summary) ? partsText(item.summary) : '';
      turns.push({ kind: 'reasoning', text: summary, encrypted: str(item.encrypted_content) });
    } else if (type === 'item_reference') {
      throw invalid(where, 'is an item_reference, which needs OpenAI\'s stored responses: send the items themselves');
    }
  });
  return turns;
}

function functionTool(t: Obj): FunctionTool {
  return {
    name: str(t.name) ?? '',
    description: str(t.description),
    parameters: isObj(t.parameters) ? t.parameters : { type: 'object', properties: {} },
    strict: typeof t.strict === 'boolean' ? t.strict : null,
  };
}

/**
 * Function tools, with namespaces (Codex groups some tools so) flattened to their functions.
 * Built-in tools (web_search, file_search…) run only on OpenAI's side and are left out.
 */
export function readTools(tools: unknown): FunctionTool[] {
  if (!Array.isArray(tools)) return [];
  const out: FunctionTool[] = [];
  for (const t of tools) {
    if (!isObj(t)) continue;
    if (t.type === 'function') out.push(functionTool(t));
    else if (t.type === 'namespace' && Array.isArray(t.tools)) out.push(...readTools(t.tools));
  }
  return out;
}

export function readToolChoice(choice: unknown): ToolChoice {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { kind: choice };
  if (isObj(choice) && choice.type === 'function' && typeof choice.name === 'string') return { kind: 'function', name: choice.name };
  return null;
}

/** Parsed tool-call arguments, for APIs that take them as an object. */
export function parseArguments(args: string, name: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    throw new GatehouseError('GH_ERR_INVALID_REQUEST', `Invalid request: the arguments of the ${name} function call in input are not JSON: send them as a JSON object text.`, { param: 'input' });
  }
}

/** A data URL split into media type and base64 data; null for other URLs. */
export function dataUrl(url: string): { mediaType: string; data: string } | null {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!, data: m[2]! } : null;
}
