/**
 * The Responses API in the matrix: drives a turn with the openai SDK and checks what a
 * Responses client (Codex) must see, event by event on the wire and in the SDK's response.
 */
import type OpenAI from 'openai';
import { expect } from 'vitest';
import { sseEvents } from './sse.js';
import { TOOL_DEF, TOOL_RESULT, USER_TEXT, type Clients, type Expected, type KindUsage } from './matrix.js';

type Response = OpenAI.Responses.Response;
type Input = OpenAI.Responses.ResponseInputItem;
type Event = OpenAI.Responses.ResponseStreamEvent;

const TOOLS = [{ type: 'function' as const, name: TOOL_DEF.name, description: TOOL_DEF.description, parameters: { ...TOOL_DEF.parameters }, strict: false }];

async function turn(c: Clients, model: string, input: Input[], stream: boolean, withTools: boolean, expected: Expected): Promise<Response> {
  const body = { model, input, max_output_tokens: 256, ...(withTools ? { tools: TOOLS } : {}) };
  if (!stream) return c.openai.responses.create(body);
  const response = await c.openai.responses.stream(body).finalResponse();
  checkResponsesStream(await c.lastBody(), expected);
  return response;
}

/**
 * The wire: response.created first, sequence numbers strictly increasing, every output item
 * added then done once under the same id, deltas only for added items, function call
 * arguments as deltas that join to the done arguments, response.completed last with usage.
 */
export function checkResponsesStream(raw: string, expected: Expected): void {
  const events = sseEvents(raw).map((e) => ({ name: e.event, data: JSON.parse(e.data) as Event }));
  for (const e of events) if (e.name !== null) expect(e.name).toBe(e.data.type);
  const data = events.map((e) => e.data);
  expect(data[0]!.type).toBe('response.created');
  expect(data.at(-1)!.type).toBe('response.completed');
  const seqs = data.map((d) => d.sequence_number);
  seqs.slice(1).forEach((n, i) => expect(n).toBeGreaterThan(seqs[i]!));

  const added = new Map<number, string>();
  const done = new Map<number, OpenAI.Responses.ResponseOutputItem>();
  const args = new Map<string, string>();
  const argsDone = new Set<string>();
  let text = '';
  for (const d of data) {
    if (d.type === 'response.output_item.added') {
      expect(added.has(d.output_index)).toBe(false);
      expect(d.item.id).toEqual(expect.any(String));
      added.set(d.output_index, d.item.id!);
    } else if (d.type === 'response.output_item.done') {
      expect(added.get(d.output_index)).toBe(d.item.id);
      expect(done.has(d.output_index)).toBe(false);
      done.set(d.output_index, d.item);
    } else if (d.type === 'response.output_text.delta') {
      expect([...added.values()]).toContain(d.item_id);
      text += d.delta;
    } else if (d.type === 'response.function_call_arguments.delta') {
      expect([...added.values()]).toContain(d.item_id);
      args.set(d.item_id, (args.get(d.item_id) ?? '') + d.delta);
    } else if (d.type === 'response.function_call_arguments.done') {
      expect(args.get(d.item_id)).toBe(d.arguments);
      argsDone.add(d.item_id);
    }
  }
  expect([...done.keys()].sort()).toEqual([...added.keys()].sort());
  const completed = data.at(-1)!;
  if (completed.type !== 'response.completed') throw new Error('the stream did not complete');
  expect(completed.response.usage).toMatchObject({ input_tokens_details: { cached_tokens: expect.any(Number) }, output_tokens_details: { reasoning_tokens: expect.any(Number) } });
  if ('text' in expected) {
    expect(text).toBe(expected.text);
    expect([...done.values()].some((i) => i.type === 'function_call')).toBe(false);
  } else {
    const call = [...done.values()].find((i) => i.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function_call item was done');
    expect(call.name).toBe(expected.tool.name);
    expect(args.get(call.id!)).toBe(call.arguments);
    expect(argsDone.has(call.id!)).toBe(true);
    expect(JSON.parse(call.arguments)).toEqual(expected.tool.input);
  }
}

function checkUsage(r: Response, usage: KindUsage): void {
  expect(r.usage).toMatchObject({
    input_tokens: usage.input,
    output_tokens: usage.output,
    input_tokens_details: { cached_tokens: usage.cached },
    output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
  });
}

function checkAnswer(r: Response, expected: Expected): void {
  expect(r.status).toBe('completed');
  if ('text' in expected) {
    expect(r.output_text).toBe(expected.text);
    return;
  }
  const call = r.output.find((i) => i.type === 'function_call');
  if (call?.type !== 'function_call') throw new Error('no function_call in the output');
  expect(call.name).toBe(expected.tool.name);
  expect(call.call_id).toEqual(expect.any(String));
  expect(JSON.parse(call.arguments)).toEqual(expected.tool.input);
}

export async function responsesText(c: Clients, model: string, stream: boolean, usage: KindUsage): Promise<void> {
  const expected = { text: `echo: ${USER_TEXT}` };
  const response = await turn(c, model, [{ role: 'user', content: USER_TEXT }], stream, false, expected);
  checkAnswer(response, expected);
  checkUsage(response, usage);
}

export async function responsesToolRound(c: Clients, model: string, stream: boolean, usage: KindUsage, tool: Expected): Promise<void> {
  const input: Input[] = [{ role: 'user', content: USER_TEXT }];
  const first = await turn(c, model, input, stream, true, tool);
  checkAnswer(first, tool);
  checkUsage(first, usage);
  // Codex sends back what it got (reasoning items included) and the tool's output.
  for (const item of first.output) input.push(item as Input);
  const call = first.output.find((i) => i.type === 'function_call')!;
  if (call.type !== 'function_call') throw new Error('no function_call');
  input.push({ type: 'function_call_output', call_id: call.call_id, output: TOOL_RESULT });
  const answer = { text: `tool said: ${TOOL_RESULT}` };
  const second = await turn(c, model, input, stream, true, answer);
  checkAnswer(second, answer);
  checkUsage(second, usage);
}
