/**
 * The parts of Anthropic's Messages wire format the translations read and write, with the
 * helpers both directions share. Field names follow docs.anthropic.com exactly.
 */

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** Thinking tokens inside `output_tokens` (the thinking-token-count beta). */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export type AnthropicBlock = { type: string; [key: string]: unknown };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** Anthropic's error types; a Gatehouse or OpenAI error is told in the nearest one. */
export const ANTHROPIC_ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
] as const;
export type AnthropicErrorType = (typeof ANTHROPIC_ERROR_TYPES)[number];

const BY_STATUS: Record<number, AnthropicErrorType> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/**
 * The Anthropic error type for a status and another API's type. The status decides where it
 * can (Anthropic's types are one per status); otherwise an Anthropic type already given is kept.
 */
export function anthropicErrorType(status: number | null, type: string | null): AnthropicErrorType {
  if (status !== null && BY_STATUS[status]) return BY_STATUS[status];
  if (type && (ANTHROPIC_ERROR_TYPES as readonly string[]).includes(type)) return type as AnthropicErrorType;
  if (type === 'rate_limit_exceeded' || type === 'requests' || type === 'tokens') return 'rate_limit_error';
  if (status !== null && status >= 400 && status < 500) return 'invalid_request_error';
  return 'api_error';
}

/** One Anthropic SSE event: the `event:` line names the type, as the API sends it. */
export function anthropicEvent(data: { type: string; [key: string]: unknown }): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function anthropicErrorEvent(type: AnthropicErrorType, message: string): string {
  return anthropicEvent({ type: 'error', error: { type, message } });
}

/** The OpenAI finish reason for an Anthropic stop reason. */
export function finishReasonOf(stop: string | null | undefined): string {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn: the model stopped of its own accord.
      return 'stop';
  }
}

/**
 * The Anthropic stop reason for an OpenAI finish reason. Some OpenAI-compatible servers
 * (older Ollama) say `stop` after tool calls; an agent must still see `tool_use` then.
 */
export function stopReasonOf(finish: string | null | undefined, madeToolCalls: boolean): string {
  if (madeToolCalls && (finish === 'stop' || finish === 'tool_calls' || finish === 'function_call' || !finish)) return 'tool_use';
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Tool input as an object: a model that wrote invalid JSON still gets its text back to fix. */
export function toolInput(args: string | undefined): Record<string, unknown> {
  if (!args || args.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Fall through: handed on as text, so the agent reports the bad input to the model.
  }
  return { _raw_arguments: args };
}
