import { GatehouseError } from '../../core/errors.js';
import {
  compact,
  contentParts,
  contentText,
  imageUrlOf,
  invalid,
  maxTokens,
  parseArguments,
  parseDataUrl,
  stopSequences,
  toolNamesById,
  type ChatMessage,
  type ChatRequestBody,
  type ChatToolChoice,
  functionTools,
} from '../chat-request.js';
import { thoughtSignatureOf } from './tool-ids.js';
import type { GeminiContent, GeminiPart, GeminiRequest } from './wire.js';

/**
 * OpenAI's `reasoning_effort` as Gemini thinking: Gemini 3 takes a level; 2.5 models take a
 * token budget, and 512 is the least every 2.5 model accepts (Pro cannot turn thinking off).
 */
const THINKING_BUDGET: Record<string, number> = { minimal: 512, low: 1024, medium: 8192, high: 24576 };

function thinkingConfig(model: string | undefined, effort: string | null | undefined): Record<string, unknown> | undefined {
  if (!effort || !(effort in THINKING_BUDGET)) return undefined;
  if (model?.replace(/^models\//, '').startsWith('gemini-3')) return { thinkingLevel: effort === 'minimal' || effort === 'low' ? 'low' : 'high' };
  return { thinkingBudget: THINKING_BUDGET[effort] };
}

const MIME_BY_EXTENSION: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', pdf: 'application/pdf' };

function userParts(m: ChatMessage, i: number): GeminiPart[] {
  return contentParts(m.content).map((p, j): GeminiPart => {
    if (p.type === 'text') return { text: p.text ?? '' };
    if (p.type === 'image_url') {
      const url = imageUrlOf(p) ?? '';
      const data = parseDataUrl(url);
      if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
      const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? '';
      return { fileData: { mimeType: MIME_BY_EXTENSION[ext] ?? 'image/jpeg', fileUri: url } };
    }
    throw new GatehouseError('GH_ERR_UNSUPPORTED_CONTENT', `Content part type "${p.type}" cannot be sent to a Gemini model: send text and image_url parts.`, { param: `messages[${i}].content[${j}]` });
  });
}

function assistantParts(m: ChatMessage, i: number): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = contentText(m.content);
  if (text) parts.push({ text });
  (m.tool_calls ?? []).forEach((c, j) => {
    const signature = thoughtSignatureOf(c.id);
    parts.push({ functionCall: { name: c.function.name, args: parseArguments(c, `messages[${i}].tool_calls[${j}].function.arguments`) }, ...(signature ? { thoughtSignature: signature } : {}) });
  });
  return parts;
}

/** A tool result as Gemini's `functionResponse.response`, which must be an object. */
function toolResponse(m: ChatMessage): Record<string, unknown> {
  const text = contentText(m.content);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Plain text: wrapped below.
  }
  return { result: text };
}

/** Appends a turn, merging it into the previous one of the same role (tool results of one turn go together). */
function push(contents: GeminiContent[], role: 'user' | 'model', parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function contentsOf(messages: ChatMessage[]): { contents: GeminiContent[]; system: GeminiPart[] } {
  const names = toolNamesById(messages);
  const contents: GeminiContent[] = [];
  const system: GeminiPart[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'system' || m.role === 'developer') {
      const text = contentText(m.content);
      if (text) system.push({ text });
    } else if (m.role === 'user') push(contents, 'user', userParts(m, i));
    else if (m.role === 'assistant') push(contents, 'model', assistantParts(m, i));
    else if (m.role === 'tool') {
      const name = names.get(m.tool_call_id ?? '');
      if (!name) throw invalid(`messages[${i}] answers tool call "${m.tool_call_id}", which no earlier assistant message made: send the assistant's tool_calls before their results.`, `messages[${i}].tool_call_id`);
      push(contents, 'user', [{ functionResponse: { name, response: toolResponse(m) } }]);
    } else throw invalid(`messages[${i}] has role "${m.role}", which Gemini models cannot take: use system, user, assistant or tool.`, `messages[${i}].role`);
  });
  return { contents, system };
}

function toolConfig(choice: ChatToolChoice | undefined): GeminiRequest['toolConfig'] {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (typeof choice === 'object' && choice.function?.name) return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  return undefined;
}

function generationConfig(body: ChatRequestBody): Record<string, unknown> | undefined {
  const format = body.response_format;
  const config = compact({
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    maxOutputTokens: maxTokens(body),
    stopSequences: stopSequences(body),
    seed: body.seed ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    responseMimeType: format && format.type !== 'text' ? 'application/json' : undefined,
    responseJsonSchema: format?.type === 'json_schema' ? format.json_schema?.schema : undefined,
    thinkingConfig: thinkingConfig(body.model, body.reasoning_effort),
  });
  return Object.keys(config).length > 0 ? config : undefined;
}

/** An OpenAI chat completions request as a Gemini `generateContent` request. */
export function chatToGemini(body: ChatRequestBody): GeminiRequest {
  const { contents, system } = contentsOf(body.messages);
  const tools = functionTools(body);
  return compact({
    contents,
    systemInstruction: system.length > 0 ? { parts: system } : undefined,
    tools:
      tools.length > 0
        ? [{ functionDeclarations: tools.map((t) => compact({ name: t.function.name, description: t.function.description, parametersJsonSchema: t.function.parameters })) as { name: string }[] }]
        : undefined,
    toolConfig: tools.length > 0 ? toolConfig(body.tool_choice ?? undefined) : undefined,
    generationConfig: generationConfig(body),
  }) as GeminiRequest;
}
