/**
 * Builds Responses API answers (the `response` object, its output items and usage) from
 * what a translated provider returned. Shapes follow api.openai.com field for field: Codex
 * reads `usage.output_tokens_details.reasoning_tokens` and reconnects without it.
 */
import { randomBytes } from 'node:crypto';

export interface TokenCounts {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

export const NO_TOKENS: TokenCounts = { input: 0, output: 0, cached: 0, reasoning: 0 };

export function responsesUsage(t: TokenCounts) {
  return {
    input_tokens: t.input,
    input_tokens_details: { cached_tokens: t.cached },
    output_tokens: t.output,
    output_tokens_details: { reasoning_tokens: t.reasoning },
    total_tokens: t.input + t.output,
  };
}

export interface OutputText {
  type: 'output_text';
  annotations: unknown[];
  logprobs: unknown[];
  text: string;
}
export interface MessageItem {
  id: string;
  type: 'message';
  status: 'in_progress' | 'completed';
  content: OutputText[];
  role: 'assistant';
}
export interface FunctionCallItem {
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed';
  arguments: string;
  call_id: string;
  name: string;
}
export interface ReasoningItem {
  id: string;
  type: 'reasoning';
  summary: { type: 'summary_text'; text: string }[];
  /** What lets the provider check the reasoning when the client sends it back. */
  encrypted_content?: string;
}
export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;

/** How a translated answer ended, in Responses terms. */
export interface Ending {
  status: 'completed' | 'incomplete';
  /** Why it is incomplete: `max_output_tokens` or `content_filter`. */
  reason: string | null;
}

/** Ids and clock, injectable so recorded-transcript tests are exact. */
export interface OutputOptions {
  newId?: (prefix: string) => string;
  now?: () => number;
}

export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

export function outputText(text: string): OutputText {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

export interface ResponseMeta {
  id: string;
  created_at: number;
  model: string;
}

export function newMeta(model: string, opts: OutputOptions = {}): ResponseMeta {
  return { id: (opts.newId ?? randomId)('resp'), created_at: Math.floor((opts.now ?? Date.now)() / 1000), model };
}

/** The `response` object; `status` in_progress has no usage yet. */
export function responseObject(
  meta: ResponseMeta,
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed',
  output: OutputItem[],
  usage: TokenCounts | null,
  extra: { reason?: string | null; error?: { code: string; message: string } | null } = {},
): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.created_at,
    status,
    background: false,
    error: extra.error ?? null,
    incomplete_details: extra.reason ? { reason: extra.reason } : null,
    instructions: null,
    max_output_tokens: null,
    model: meta.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: null,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: null,
    truncation: 'disabled',
    usage: usage ? responsesUsage(usage) : null,
    user: null,
    metadata: {},
  };
}
