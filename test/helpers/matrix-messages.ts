/**
 * Anthropic Messages in the matrix: drives a turn with @anthropic-ai/sdk and checks what a
 * Messages client must see, event by event on the wire and in the SDK's assembled message.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { expect } from 'vitest';
import { sseEvents } from './sse.js';
import { TOOL_DEF, TOOL_RESULT, USER_TEXT, type Clients, type Expected, type KindUsage } from './matrix.js';

type Message = Anthropic.Messages.Message;
type Param = Anthropic.Messages.MessageParam;
type Event = Anthropic.Messages.RawMessageStreamEvent;

const TOOLS: Anthropic.Messages.Tool[] = [{ name: TOOL_DEF.name, description: TOOL_DEF.description, input_schema: TOOL_DEF.parameters }];

async function turn(c: Clients, model: string, messages: Param[], stream: boolean, withTools: boolean, expected: Expected): Promise<Message> {
  const body = { model, messages, max_tokens: 256, ...(withTools ? { tools: TOOLS } : {}) };
  if (!stream) return c.anthropic.messages.create(body);
  const message = await c.anthropic.messages.stream(body).finalMessage();
  checkMessagesStream(await c.lastBody(), expected);
  return message;
}

/**
 * The wire: one message_start first; content blocks opened, filled and closed in turn with
 * consecutive indexes; a tool_use's input_json_delta pieces parse once joined; message_delta
 * with stop_reason and usage; message_stop last.
 */
export function checkMessagesStream(raw: string, expected: Expected): void {
  const events = sseEvents(raw).map((e) => ({ name: e.event, data: JSON.parse(e.data) as Event | { type: 'ping' } }));
  for (const e of events) expect(e.name).toBe(e.data.type);
  const data = events.map((e) => e.data).filter((d): d is Event => d.type !== 'ping');
  expect(data[0]!.type).toBe('message_start');
  expect(data.filter((d) => d.type === 'message_start')).toHaveLength(1);
  expect(data.at(-1)!.type).toBe('message_stop');
  const delta = data.at(-2)!;
  if (delta.type !== 'message_delta') throw new Error(`expected message_delta before message_stop, got ${delta.type}`);
  expect(delta.delta.stop_reason).toBe('text' in expected ? 'end_turn' : 'tool_use');
  expect(delta.usage.output_tokens).toEqual(expect.any(Number));

  const blocks: { type: string; name?: string; text: string; json: string }[] = [];
  let open: number | null = null;
  for (const d of data.slice(1, -2)) {
    if (d.type === 'content_block_start') {
      expect(open).toBeNull();
      expect(d.index).toBe(blocks.length);
      open = d.index;
      blocks.push({ type: d.content_block.type, name: d.content_block.type === 'tool_use' ? d.content_block.name : undefined, text: '', json: '' });
    } else if (d.type === 'content_block_delta') {
      expect(d.index).toBe(open);
      const b = blocks[d.index]!;
      if (d.delta.type === 'text_delta') b.text += d.delta.text;
      else if (d.delta.type === 'input_json_delta') b.json += d.delta.partial_json;
    } else if (d.type === 'content_block_stop') {
      expect(d.index).toBe(open);
      open = null;
    } else {
      throw new Error(`unexpected ${d.type} between message_start and message_delta`);
    }
  }
  expect(open).toBeNull();
  if ('text' in expected) {
    expect(blocks.filter((b) => b.type === 'text').map((b) => b.text).join('')).toBe(expected.text);
    expect(blocks.some((b) => b.type === 'tool_use')).toBe(false);
  } else {
    const tool = blocks.find((b) => b.type === 'tool_use')!;
    expect(tool.name).toBe(expected.tool.name);
    expect(JSON.parse(tool.json)).toEqual(expected.tool.input);
  }
}

function checkUsage(m: Message, usage: KindUsage): void {
  // Anthropic counts cache reads beside input_tokens, not inside.
  expect(m.usage).toMatchObject({ input_tokens: usage.input - usage.cached, cache_read_input_tokens: usage.cached, output_tokens: usage.output });
}

function checkAnswer(m: Message, expected: Expected): void {
  if ('text' in expected) {
    expect(m.stop_reason).toBe('end_turn');
    expect(m.content.filter((b) => b.type === 'text').map((b) => b.text).join('')).toBe(expected.text);
    return;
  }
  expect(m.stop_reason).toBe('tool_use');
  const use = m.content.find((b) => b.type === 'tool_use')!;
  expect(use).toMatchObject({ id: expect.any(String), name: expected.tool.name, input: expected.tool.input });
}

export async function messagesText(c: Clients, model: string, stream: boolean, usage: KindUsage): Promise<void> {
  const expected = { text: `echo: ${USER_TEXT}` };
  const message = await turn(c, model, [{ role: 'user', content: USER_TEXT }], stream, false, expected);
  checkAnswer(message, expected);
  checkUsage(message, usage);
}

export async function messagesToolRound(c: Clients, model: string, stream: boolean, usage: KindUsage, tool: Expected): Promise<void> {
  const messages: Param[] = [{ role: 'user', content: USER_TEXT }];
  const first = await turn(c, model, messages, stream, true, tool);
  checkAnswer(first, tool);
  checkUsage(first, usage);
  const use = first.content.find((b) => b.type === 'tool_use')!;
  if (use.type !== 'tool_use') throw new Error('no tool_use block');
  messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: TOOL_RESULT }] });
  const answer = { text: `tool said: ${TOOL_RESULT}` };
  const second = await turn(c, model, messages, stream, true, answer);
  checkAnswer(second, answer);
  checkUsage(second, usage);
}
