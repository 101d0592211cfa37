import { describe, expect, it } from 'vitest';
import { fixture, replay } from '../../../test/helpers/sse.js';
import { GatehouseError } from '../../core/errors.js';
import { messagesToChat } from './index.js';

type Json = Record<string, unknown>;

describe('messages → chat: request', () => {
  it("turns Claude Code's request into a chat request and keeps nothing only Anthropic reads", () => {
    const cc = JSON.parse(fixture('claude-code-2.1.197-messages.json')) as { body: Json & { system: { text: string }[]; tools: Json[] } };
    const out = messagesToChat.request(cc.body, 'gpt-4o', true) as Json & { messages: Json[]; tools: { type: string; function: Json }[] };
    expect(out.model).toBe('gpt-4o');
    expect(out.messages[0]).toEqual({ role: 'system', content: cc.body.system.map((b) => b.text).join('\n\n') });
    // The user turn's two text blocks, then the mid-conversation system turn where it was.
    expect(out.messages[1]).toMatchObject({ role: 'user', content: expect.stringMatching(/say hello$/) });
    expect(out.messages[2]).toMatchObject({ role: 'system' });
    expect(out.messages).toHaveLength(3);
    expect(out.tools).toHaveLength(cc.body.tools.length);
    expect(out.tools[1]).toEqual({ type: 'function', function: { name: 'Bash', description: cc.body.tools[1]!.description, parameters: cc.body.tools[1]!.input_schema } });
    expect(out.max_completion_tokens).toBe(64000);
    expect(out.stream).toBe(true);
    expect(out.stream_options).toEqual({ include_usage: true });
    for (const key of ['system', 'thinking', 'metadata', 'context_management', 'output_config', 'max_tokens']) expect(out).not.toHaveProperty(key);
  });

  it('maps a tool round trip, images, tool choice and stop sequences', () => {
    const body = {
      model: 'x',
      max_tokens: 100,
      system: 'be brief',
      stop_sequences: ['END'],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      tools: [
        { name: 'get_weather', description: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
      ],
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'text', text: 'weather here?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'call the tool', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C' }, { type: 'image', source: { type: 'url', url: 'https://example.com/map.png' } }] },
            { type: 'text', text: 'and tomorrow?' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', is_error: true, content: 'service down' }] },
      ],
    };
    const out = messagesToChat.request(body, 'gpt-4o', false) as Json;
    expect(out.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'text', text: 'weather here?' }] },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/map.png' } }, { type: 'text', text: 'and tomorrow?' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: service down' },
    ]);
    // The server tool runs on Anthropic's side only; it is not offered to another model.
    expect(out.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: body.tools[0]!.input_schema } }]);
    expect(out.tool_choice).toBe('required');
    expect(out.parallel_tool_calls).toBe(false);
    expect(out.stop).toEqual(['END']);
    expect(out).not.toHaveProperty('stream');
  });

  it('refuses what has no chat equivalent with a coded error', () => {
    expect(() => messagesToChat.request({ model: 'x', max_tokens: 1, n: 2, messages: [] }, 'm', false)).toThrow(GatehouseError);
  });
});

describe('messages → chat: complete answer', () => {
  it('turns tool calls into tool_use blocks with usage split into input and cache reads', () => {
    const out = messagesToChat.response(JSON.parse(fixture('openai-chat-completion-tool-calls.json')), 'up/gpt-4o') as Json;
    expect(out).toEqual({
      id: 'msg_C3bX1ToolsNonStream',
      type: 'message',
      role: 'assistant',
      model: 'up/gpt-4o',
      content: [{ type: 'tool_use', id: 'call_Qm3xVfJ8LzR2pN6tYb1cKd0A', name: 'get_weather', input: { city: 'Paris' } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 210, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024, output_tokens: 58 },
    });
  });

  it('keeps reasoning as a thinking block and maps length to max_tokens', () => {
    const out = messagesToChat.response(
      { id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'Hi', reasoning_content: 'greet' }, finish_reason: 'length' }], usage: { prompt_tokens: 3, completion_tokens: 2 } },
      'm',
    ) as Json;
    expect(out.content).toEqual([{ type: 'thinking', thinking: 'greet', signature: '' }, { type: 'text', text: 'Hi' }]);
    expect(out.stop_reason).toBe('max_tokens');
  });
});

const types = (events: ReturnType<typeof replay>) => events.map((e) => `${e.event}${typeof e.data === 'object' && 'index' in e.data ? `:${String(e.data.index)}` : ''}`);

describe('messages → chat: stream, event by event', () => {
  it('opens and closes text and parallel tool_use blocks in order with input_json_delta', () => {
    const events = replay(messagesToChat.stream('up/gpt-4o'), fixture('openai-chat-stream-tool-calls.sse'));
    expect(types(events)).toEqual([
      'message_start',
      'content_block_start:0',
      ...Array(5).fill('content_block_delta:0'),
      'content_block_stop:0',
      'content_block_start:1',
      ...Array(3).fill('content_block_delta:1'),
      'content_block_stop:1',
      'content_block_start:2',
      ...Array(3).fill('content_block_delta:2'),
      'content_block_stop:2',
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) expect(e.event).toBe((e.data as Json).type);
    expect((events[0]!.data as { message: Json }).message).toMatchObject({ id: 'msg_C3bVz8QnXhF2kLp0aR7tYw1mE9sJd', role: 'assistant', model: 'up/gpt-4o', content: [] });
    expect(events[1]!.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[8]!.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_Qm3xVfJ8LzR2pN6tYb1cKd0A', name: 'get_weather', input: {} } });
    const json = (index: number) =>
      events
        .filter((e) => e.event === 'content_block_delta' && (e.data as Json).index === index)
        .map((e) => ((e.data as { delta: { type: string; partial_json: string } }).delta.partial_json))
        .join('');
    expect(JSON.parse(json(1))).toEqual({ city: 'Paris' });
    expect(JSON.parse(json(2))).toEqual({ city: 'Tokyo' });
    expect(events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 210, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024, output_tokens: 58 },
    });
  });

  it('keeps reasoning in its own thinking block, never folded into the text', () => {
    const events = replay(messagesToChat.stream('m'), fixture('openai-chat-stream-reasoning.sse'));
    expect(types(events)).toEqual([
      'message_start',
      'content_block_start:0',
      ...Array(4).fill('content_block_delta:0'),
      'content_block_stop:0',
      'content_block_start:1',
      ...Array(3).fill('content_block_delta:1'),
      'content_block_stop:1',
      'message_delta',
      'message_stop',
    ]);
    expect((events[1]!.data as { content_block: Json }).content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
    const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => (e.data as { delta: Json }).delta);
    expect(deltas.slice(0, 4).every((d) => d.type === 'thinking_delta')).toBe(true);
    expect(deltas.slice(4).map((d) => d.text).join('')).toBe('Hello! How can I help?');
    expect((events.at(-2)!.data as { delta: Json; usage: Json }).delta.stop_reason).toBe('end_turn');
    expect((events.at(-2)!.data as { usage: Json }).usage).toMatchObject({ output_tokens: 22, output_tokens_details: { thinking_tokens: 12 } });
  });

  it("says tool_use when Ollama sends a whole tool call and finish_reason 'stop'", () => {
    const events = replay(messagesToChat.stream('m'), fixture('ollama-chat-stream-tool-call.sse'));
    expect(types(events)).toEqual(['message_start', 'content_block_start:0', 'content_block_delta:0', 'content_block_stop:0', 'message_delta', 'message_stop']);
    expect((events[2]!.data as { delta: Json }).delta).toEqual({ type: 'input_json_delta', partial_json: '{"command":"ls -la","description":"List files"}' });
    expect(events[4]!.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 512, output_tokens: 31 } });
  });

  it('tells an upstream error as an Anthropic error event and never completes the message', () => {
    const events = replay(messagesToChat.stream('m'), fixture('openai-chat-stream-error.sse'));
    expect(types(events)).toEqual(['message_start', 'content_block_start:0', 'content_block_delta:0', 'content_block_stop:0', 'error']);
    expect(events.at(-1)!.data).toEqual({ type: 'error', error: { type: 'api_error', message: 'The server had an error while processing your request. Sorry about that!' } });
  });

  it('ends a stream cut before [DONE] without message_delta or message_stop', () => {
    const cut = fixture('openai-chat-stream-tool-calls.sse').replace('data: [DONE]\n\n', '');
    const names = types(replay(messagesToChat.stream('m'), cut));
    expect(names).not.toContain('message_stop');
    expect(names).not.toContain('message_delta');
    expect(names.filter((n) => n === 'message_start')).toHaveLength(1);
  });
});
