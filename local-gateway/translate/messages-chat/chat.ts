/** The parts of OpenAI's chat completions wire format the translations read and write. */

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export interface ChatMessageOut {
  role: 'assistant';
  content: string | null;
  /** What OpenAI-compatible reasoning servers (vLLM, DeepSeek, Ollama) call the model's thinking. */
  reasoning_content?: string | null;
  reasoning?: string | null;
  refusal?: string | null;
  tool_calls?: ChatToolCall[];
}

export interface ChatCompletion {
  id?: string;
  model?: string;
  choices?: { message?: ChatMessageOut; finish_reason?: string | null }[];
  usage?: ChatUsage | null;
}

export interface ChatChunkToolCall {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChatChunk {
  id?: string;
  choices?: {
    delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null; refusal?: string | null; tool_calls?: ChatChunkToolCall[] };
    finish_reason?: string | null;
  }[];
  usage?: ChatUsage | null;
  error?: { message?: string; type?: string; code?: string | null };
}

/** One chat completions SSE event (`data:` only, as OpenAI sends them). */
export function chatEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export const CHAT_DONE = 'data: [DONE]\n\n';

/** A data URL split into media type and base64 payload; null for anything else. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!, data: m[2]! } : null;
}
