/**
 * The Bedrock Runtime Converse API's wire format (`/model/{modelId}/converse` and
 * `/converse-stream`), as far as the gateway writes and reads it.
 */
export type ConverseImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface ConverseToolResultBlock {
  toolUseId: string;
  content: ({ text: string } | { json: unknown })[];
  status?: 'success' | 'error';
}

export interface ConverseContentBlock {
  text?: string;
  image?: { format: ConverseImageFormat; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: ConverseToolResultBlock;
  reasoningContent?: { reasoningText?: { text: string; signature?: string } };
}

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: { text: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }[];
    toolChoice?: { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };
  };
}

export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: { role?: string; content?: ConverseContentBlock[] } };
  stopReason?: string;
  usage?: ConverseUsage;
  metrics?: { latencyMs?: number };
}

/** ConverseStream event payloads, keyed by the `:event-type` header of each event-stream message. */
export interface ConverseStreamEvents {
  messageStart: { role: string };
  contentBlockStart: { contentBlockIndex: number; start?: { toolUse?: { toolUseId: string; name: string } } };
  contentBlockDelta: { contentBlockIndex: number; delta?: { text?: string; toolUse?: { input: string }; reasoningContent?: { text?: string } } };
  contentBlockStop: { contentBlockIndex: number };
  messageStop: { stopReason?: string };
  metadata: { usage?: ConverseUsage; metrics?: { latencyMs?: number } };
}
