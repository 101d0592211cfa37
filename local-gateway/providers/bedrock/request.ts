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
  type ChatMessage,
  type ChatRequestBody,
  type ChatToolChoice,
  functionTools,
} from '../chat-request.js';
import type { ConverseContentBlock, ConverseImageFormat, ConverseMessage, ConverseRequest } from './wire.js';

const IMAGE_FORMATS: Record<string, ConverseImageFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

function userBlocks(m: ChatMessage, i: number): ConverseContentBlock[] {
  return contentParts(m.content).flatMap((p, j): ConverseContentBlock[] => {
    const param = `messages[${i}].content[${j}]`;
    if (p.type === 'text') return p.text ? [{ text: p.text }] : [];
    if (p.type === 'image_url') {
      const data = parseDataUrl(imageUrlOf(p) ?? '');
      if (!data) throw new GatehouseError('GH_ERR_UNSUPPORTED_CONTENT', 'Bedrock takes images inline only: send the image as a data: URL (data:image/png;base64,…), not a link.', { param });
      const format = IMAGE_FORMATS[data.mediaType];
      if (!format) throw new GatehouseError('GH_ERR_UNSUPPORTED_CONTENT', `Bedrock takes png, jpeg, gif and webp images, not ${data.mediaType}: convert the image first.`, { param });
      return [{ image: { format, source: { bytes: data.data } } }];
    }
    throw new GatehouseError('GH_ERR_UNSUPPORTED_CONTENT', `Content part type "${p.type}" cannot be sent to a Bedrock model: send text and image_url parts.`, { param });
  });
}

function assistantBlocks(m: ChatMessage, i: number): ConverseContentBlock[] {
  const blocks: ConverseContentBlock[] = [];
  const text = contentText(m.content);
  if (text) blocks.push({ text });
  (m.tool_calls ?? []).forEach((c, j) => {
    blocks.push({ toolUse: { toolUseId: c.id, name: c.function.name, input: parseArguments(c, `messages[${i}].tool_calls[${j}].function.arguments`) } });
  });
  return blocks;
}

/** A tool result: JSON objects go as `json` blocks, anything else as text. */
function toolResultBlock(m: ChatMessage, i: number): ConverseContentBlock {
  if (!m.tool_call_id) throw invalid(`messages[${i}] is a tool result without tool_call_id: name the tool call it answers.`, `messages[${i}].tool_call_id`);
  const text = contentText(m.content);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const content = json !== null && typeof json === 'object' && !Array.isArray(json) ? [{ json }] : [{ text }];
  return { toolResult: { toolUseId: m.tool_call_id, content } };
}

/** Appends a turn; Converse needs roles to alternate, so same-role turns (tool results of one turn) merge. */
function push(messages: ConverseMessage[], role: ConverseMessage['role'], content: ConverseContentBlock[]): void {
  if (content.length === 0) return;
  const last = messages.at(-1);
  if (last?.role === role) last.content.push(...content);
  else messages.push({ role, content });
}

function toolChoice(choice: ChatToolChoice | undefined): NonNullable<ConverseRequest['toolConfig']>['toolChoice'] {
  if (choice === 'required') return { any: {} };
  if (typeof choice === 'object' && choice.function?.name) return { tool: { name: choice.function.name } };
  return choice === 'auto' ? { auto: {} } : undefined;
}

/** An OpenAI chat completions request as a Bedrock Converse request. */
export function chatToConverse(body: ChatRequestBody): ConverseRequest {
  const messages: ConverseMessage[] = [];
  const system: { text: string }[] = [];
  body.messages.forEach((m, i) => {
    if (m.role === 'system' || m.role === 'developer') {
      const text = contentText(m.content);
      if (text) system.push({ text });
    } else if (m.role === 'user') push(messages, 'user', userBlocks(m, i));
    else if (m.role === 'assistant') push(messages, 'assistant', assistantBlocks(m, i));
    else if (m.role === 'tool') push(messages, 'user', [toolResultBlock(m, i)]);
    else throw invalid(`messages[${i}] has role "${m.role}", which Bedrock models cannot take: use system, user, assistant or tool.`, `messages[${i}].role`);
  });
  // tool_choice "none": Converse has no such mode, so the tools are not offered, unless the
  // history holds tool blocks, which Converse accepts only alongside a toolConfig.
  const historyUsesTools = messages.some((m) => m.content.some((b) => b.toolUse || b.toolResult));
  const tools = body.tool_choice === 'none' && !historyUsesTools ? [] : functionTools(body);
  const inference = compact({
    maxTokens: maxTokens(body),
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    stopSequences: stopSequences(body),
  });
  return compact({
    messages,
    system: system.length > 0 ? system : undefined,
    inferenceConfig: Object.keys(inference).length > 0 ? inference : undefined,
    toolConfig:
      tools.length > 0
        ? compact({
            tools: tools.map((t) => ({ toolSpec: compact({ name: t.function.name, description: t.function.description, inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } } }) })),
            toolChoice: body.tool_choice === 'none' ? undefined : toolChoice(body.tool_choice ?? undefined),
          })
        : undefined,
  }) as ConverseRequest;
}
