/**
 * OpenAI Responses (the client: Codex CLI, the openai SDK's `responses.create`) → chat
 * completions (the provider: any OpenAI-compatible server). Request, answer and stream.
 */
import type { SseEvent, StreamTranslator, Translation } from '../types.js';
import { readToolChoice, readTools, readTurns, type Turn, type UserPart } from '../responses-common/input.js';
import { NO_TOKENS, newMeta, outputText, randomId, responseObject, type Ending, type OutputItem, type OutputOptions, type TokenCounts } from '../responses-common/output.js';
import { ResponsesStreamWriter } from '../responses-common/writer.js';

type Obj = Record<string, unknown>;

interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}
type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | Obj[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

function userContent(parts: UserPart[]): string | Obj[] {
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => p.text).join('');
  return parts.map((p) =>
    p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image_url', image_url: p.detail ? { url: p.url, detail: p.detail } : { url: p.url } },
  );
}

/** Turns as chat messages: consecutive function calls become one assistant message's tool_calls. */
export function chatMessages(turns: Turn[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const t of turns) {
    const last = out.at(-1);
    if (t.kind === 'system') out.push({ role: 'system', content: t.text });
    else if (t.kind === 'user') out.push({ role: 'user', content: userContent(t.parts) });
    else if (t.kind === 'assistant') out.push({ role: 'assistant', content: t.text });
    else if (t.kind === 'result') out.push({ role: 'tool', tool_call_id: t.callId, content: t.output });
    // Chat completions has no way to hand a model its earlier reasoning back.
    else if (t.kind === 'reasoning') continue;
    else {
      const call: ChatToolCall = { id: t.callId, type: 'function', function: { name: t.name, arguments: t.arguments } };
      // A call right after the assistant's text (or another call) belongs to that same turn.
      if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
    }
  }
  return out;
}

function chatToolChoice(choice: ReturnType<typeof readToolChoice>): unknown {
  if (!choice) return undefined;
  return choice.kind === 'function' ? { type: 'function', function: { name: choice.name } } : choice.kind;
}

/** `text.format` (Responses) as `response_format` (chat). */
function responseFormat(text: unknown): unknown {
  const format = (text as { format?: Obj } | null | undefined)?.format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    const { type: _type, ...schema } = format;
    return { type: 'json_schema', json_schema: schema };
  }
  return undefined;
}

export function request(body: Obj, model: string, stream: boolean): Obj {
  const tools = readTools(body.tools);
  const out: Obj = { model, messages: chatMessages(readTurns(body)) };
  if (tools.length > 0) {
    out.tools = tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters, ...(t.strict === null ? {} : { strict: t.strict }) },
    }));
    const choice = chatToolChoice(readToolChoice(body.tool_choice));
    if (choice !== undefined) out.tool_choice = choice;
    if (typeof body.parallel_tool_calls === 'boolean') out.parallel_tool_calls = body.parallel_tool_calls;
  }
  // max_tokens rather than max_completion_tokens: every OpenAI-compatible server knows it.
  if (typeof body.max_output_tokens === 'number') out.max_tokens = body.max_output_tokens;
  for (const key of ['temperature', 'top_p', 'user', 'seed'] as const) if (body[key] !== undefined && body[key] !== null) out[key] = body[key];
  const effort = (body.reasoning as { effort?: unknown } | null | undefined)?.effort;
  if (typeof effort === 'string') out.reasoning_effort = effort;
  const format = responseFormat(body.text);
  if (format) out.response_format = format;
  if (stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export function tokenCounts(u: ChatUsage | null | undefined): TokenCounts {
  if (!u) return NO_TOKENS;
  return {
    input: u.prompt_tokens ?? 0,
    output: u.completion_tokens ?? 0,
    cached: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

export function ending(finishReason: string | null | undefined): Ending {
  if (finishReason === 'length') return { status: 'incomplete', reason: 'max_output_tokens' };
  if (finishReason === 'content_filter') return { status: 'incomplete', reason: 'content_filter' };
  return { status: 'completed', reason: null };
}

interface ChatChoice {
  message?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null; refusal?: string | null; tool_calls?: ChatToolCall[] | null };
  delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] | null };
  finish_reason?: string | null;
}

export function response(upstream: unknown, requestedModel: string, opts: OutputOptions = {}): unknown {
  const u = upstream as { choices?: ChatChoice[]; usage?: ChatUsage };
  const choice = u.choices?.[0];
  const msg = choice?.message ?? {};
  const newId = opts.newId ?? randomId;
  const meta = newMeta(requestedModel, opts);
  const output: OutputItem[] = [];
  // Servers that return their model's thinking (vLLM, DeepSeek, Ollama) name it one of two ways.
  const reasoning = msg.reasoning_content ?? msg.reasoning;
  if (reasoning) output.push({ id: newId('rs'), type: 'reasoning', summary: [{ type: 'summary_text', text: reasoning }] });
  const text = msg.content ?? msg.refusal;
  if (text) output.push({ id: newId('msg'), type: 'message', status: 'completed', content: [outputText(text)], role: 'assistant' });
  for (const c of msg.tool_calls ?? []) {
    output.push({ id: newId('fc'), type: 'function_call', status: 'completed', arguments: c.function.arguments || '{}', call_id: c.id, name: c.function.name });
  }
  const end = ending(choice?.finish_reason);
  return responseObject(meta, end.status, output, tokenCounts(u.usage), { reason: end.reason });
}

/** Chat chunks in, Responses events out; `[DONE]` is what completes the response. */
export function stream(requestedModel: string, opts: OutputOptions = {}): StreamTranslator {
  const w = new ResponsesStreamWriter(requestedModel, opts);
  let finishReason: string | null = null;
  let usage: TokenCounts = NO_TOKENS;
  const newId = opts.newId ?? randomId;
  return {
    event(ev: SseEvent): string[] {
      if (w.done) return [];
      if (ev.data.trim() === '[DONE]') return w.finish(ending(finishReason), usage);
      const chunk = JSON.parse(ev.data) as { choices?: ChatChoice[]; usage?: ChatUsage | null; error?: { message?: string; code?: string | null; type?: string } };
      if (chunk.error) return w.fail(chunk.error.code ?? chunk.error.type ?? 'upstream_error', chunk.error.message ?? 'the provider failed mid-stream');
      const out = w.start();
      if (chunk.usage) usage = tokenCounts(chunk.usage);
      const choice = chunk.choices?.[0];
      const delta = choice?.delta;
      if (delta) {
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) out.push(...w.reasoning(reasoning));
        if (delta.content) out.push(...w.text(delta.content));
        for (const tc of delta.tool_calls ?? []) {
          const key = String(tc.index ?? 0);
          if (!w.hasCall(key)) out.push(...w.call(key, tc.id ?? newId('call'), tc.function?.name ?? ''));
          out.push(...w.callArguments(key, tc.function?.arguments ?? ''));
        }
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      return out;
    },
    // No [DONE]: the provider cut the stream; the pipeline tells the client.
    end: () => [],
  };
}

export const responsesToChat: Translation = {
  from: 'responses',
  to: 'chat.completions',
  request,
  response: (upstream, requestedModel) => response(upstream, requestedModel),
  stream: (requestedModel) => stream(requestedModel),
};
