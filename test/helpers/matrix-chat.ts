/**
 * Chat completions in the matrix: drives a turn with the openai SDK and checks what a chat
 * client must see, event by event on the wire and in the SDK's assembled completion.
 */
import type OpenAI from 'openai';
import { expect } from 'vitest';
import { sseEvents } from './sse.js';
import { TOOL_DEF, TOOL_RESULT, USER_TEXT, type Clients, type Expected, type KindUsage } from './matrix.js';

type Completion = OpenAI.Chat.Completions.ChatCompletion;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

async function turn(c: Clients, model: string, messages: Message[], stream: boolean, withTools: boolean, expected: Expected): Promise<Completion> {
  const body = { model, messages, max_tokens: 256, ...(withTools ? { tools: [{ type: 'function' as const, function: TOOL_DEF }] } : {}) };
  if (!stream) return c.openai.chat.completions.create(body);
  const completion = await c.openai.chat.completions.stream({ ...body, stream_options: { include_usage: true } }).finalChatCompletion();
  checkChatStream(await c.lastBody(), expected);
  return completion;
}

/** The wire: the role first, deltas, tool calls by index (id and name, then arguments), one finish_reason, usage, `[DONE]`. */
export function checkChatStream(raw: string, expected: Expected): void {
  const data = sseEvents(raw).map((e) => e.data);
  expect(data.at(-1)).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  for (const ch of chunks) expect(ch.object).toBe('chat.completion.chunk');
  const choices = chunks.flatMap((ch) => ch.choices);
  expect(choices[0]!.delta.role).toBe('assistant');
  expect(choices.slice(1).every((ch) => ch.delta.role === undefined || ch.delta.role === 'assistant')).toBe(true);
  const finishes = choices.filter((ch) => ch.finish_reason);
  expect(finishes).toHaveLength(1);
  expect(choices.at(-1)!.finish_reason).toBeTruthy();
  const text = choices.map((ch) => ch.delta.content ?? '').join('');
  const calls = choices.flatMap((ch) => ch.delta.tool_calls ?? []);
  if ('text' in expected) {
    expect(text).toBe(expected.text);
    expect(calls).toEqual([]);
  } else {
    expect(calls[0]?.function?.name).toBe(expected.tool.name);
    expect(calls.every((tc) => tc.index === 0)).toBe(true);
    expect(calls[0]).toMatchObject({ id: expect.any(String), type: 'function', function: { name: expect.any(String) } });
    // Id and name come once, first; the arguments follow in pieces that parse once joined.
    expect(calls.slice(1).every((tc) => tc.id === undefined && tc.function?.name === undefined)).toBe(true);
    expect(JSON.parse(calls.map((tc) => tc.function?.arguments ?? '').join(''))).toEqual(expected.tool.input);
  }
  // The usage chunk the client asked for: after the finish, with no choices.
  const last = chunks.at(-1)!;
  expect(last.choices).toEqual([]);
  expect(last.usage).toBeTruthy();
}

function checkUsage(c: Completion, usage: KindUsage): void {
  expect(c.usage).toMatchObject({ prompt_tokens: usage.input, completion_tokens: usage.output, prompt_tokens_details: { cached_tokens: usage.cached } });
  expect(c.usage!.completion_tokens_details?.reasoning_tokens ?? null).toBe(usage.reasoning);
}

function checkAnswer(c: Completion, expected: Expected): void {
  const choice = c.choices[0]!;
  if ('text' in expected) {
    expect(choice.message.content).toBe(expected.text);
    expect(choice.finish_reason).toBe('stop');
    return;
  }
  expect(choice.finish_reason).toBe('tool_calls');
  const call = choice.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
  expect(call.function.name).toBe(expected.tool.name);
  expect(JSON.parse(call.function.arguments)).toEqual(expected.tool.input);
}

/** One plain-text turn. */
export async function chatText(c: Clients, model: string, stream: boolean, usage: KindUsage): Promise<void> {
  const expected = { text: `echo: ${USER_TEXT}` };
  const completion = await turn(c, model, [{ role: 'user', content: USER_TEXT }], stream, false, expected);
  checkAnswer(completion, expected);
  checkUsage(completion, usage);
}

/** The model asks for the tool, the client sends its result back, the model answers. */
export async function chatToolRound(c: Clients, model: string, stream: boolean, usage: KindUsage, tool: Expected): Promise<void> {
  const messages: Message[] = [{ role: 'user', content: USER_TEXT }];
  const first = await turn(c, model, messages, stream, true, tool);
  checkAnswer(first, tool);
  checkUsage(first, usage);
  const call = first.choices[0]!.message.tool_calls![0]!;
  messages.push({ role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: TOOL_RESULT });
  const answer = { text: `tool said: ${TOOL_RESULT}` };
  const second = await turn(c, model, messages, stream, true, answer);
  checkAnswer(second, answer);
  checkUsage(second, usage);
}
