import { describe, expect, it } from 'vitest';
import { fixture, replay } from '../../../test/helpers/sse.js';
import { GatehouseError } from '../../core/errors.js';
import { DEFAULT_MAX_TOKENS } from './chat-to-messages.js';
import { chatToMessages } from './index.js';

type Json = Record<string, unknown>;

describe('chat → messages: request', () => {
  it('hoists system messages, merges tool results into one user turn and maps tools', () => {
    const body = {
      model: 'x',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: [{ type: 'text', text: 'use metric units' }] },
        { role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'low' } }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '25°C' }] },
        { role: 'user', content: 'and the map?' },
        { role: 'assistant', content: 'Here.' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/map.png' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      temperature: 1.5,
      stop: 'END',
      user: 'dev-1',
      seed: 7,
    };
    const out = chatToMessages.request(body, 'claude-sonnet-4-5', true) as Json;
    expect(out).toEqual({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'be brief' }, { type: 'text', text: 'use metric units' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Tokyo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
            { type: 'tool_result', tool_use_id: 'call_2', content: '25°C' },
            { type: 'text', text: 'and the map?' },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'Here.' }] },
        { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/map.png' } }] },
      ],
      max_tokens: DEFAULT_MAX_TOKENS,
      temperature: 1,
      stop_sequences: ['END'],
      tools: [{ name: 'get_weather', description: 'weather', input_schema: body.tools[0]!.function.parameters }],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      metadata: { user_id: 'dev-1' },
      stream: true,
    });
  });

  it('maps reasoning_effort to a thinking budget below max_tokens', () => {
    const out = chatToMessages.request({ model: 'x', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'medium', max_completion_tokens: 1000, temperature: 0.2 }, 'm', false) as Json;
    // The same budget the Responses translation asks for at `medium`.
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(out.max_tokens as number).toBeGreaterThan(8192);
    expect(out).not.toHaveProperty('temperature');
  });

  it('refuses what Messages cannot express, naming it', () => {
    const base = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
    expect(() => chatToMessages.request({ ...base, n: 3 }, 'm', false)).toThrow(GatehouseError);
    expect(() => chatToMessages.request({ ...base, response_format: { type: 'json_schema' } }, 'm', false)).toThrow(/response_format "json_schema"/);
    expect(() => chatToMessages.request({ ...base, messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'm', false)).toThrow(/"input_audio" content part/);
  });
});

describe('chat → messages: complete answer', () => {
  it('turns text, thinking and tool_use into one chat message with usage counting cache tokens in the prompt', () => {
    const out = chatToMessages.response(JSON.parse(fixture('anthropic-message-tool-use.json')), 'anthropic/claude-sonnet-4-5') as Json & { choices: Json[] };
    expect(out).toMatchObject({ id: 'chatcmpl-01Aq9w938a90dw8q', object: 'chat.completion', model: 'anthropic/claude-sonnet-4-5' });
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        refusal: null,
        reasoning_content: 'The user asks for weather; I should call the tool.',
        tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    expect(out.usage).toEqual({ prompt_tokens: 4103, completion_tokens: 98, total_tokens: 4201, prompt_tokens_details: { cached_tokens: 2400 } });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('maps stop reason %s to finish reason %s', (stop, finish) => {
    const out = chatToMessages.response({ id: 'msg_1', content: [{ type: 'text', text: 'x' }], stop_reason: stop, usage: {} }, 'm') as { choices: Json[] };
    expect(out.choices[0]!.finish_reason).toBe(finish);
  });
});

const data = (events: ReturnType<typeof replay>) => events.map((e) => e.data);

describe('chat → messages: stream, event by event', () => {
  it('streams text then a tool call by index with its arguments, the finish chunk, usage and [DONE]', () => {
    const out = data(replay(chatToMessages.stream('anthropic/claude-sonnet-4-5'), fixture('anthropic-messages-stream-tool-use.sse')));
    const deltas = out.slice(0, -3).map((c) => ((c as { choices: { delta: Json }[] }).choices[0]!.delta));
    expect(deltas[0]).toEqual({ role: 'assistant', content: '' });
    expect(deltas.slice(1, 5).map((d) => d.content).join('')).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(deltas[5]).toEqual({ tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] });
    const args = deltas.slice(6).map((d) => (d.tool_calls as { index: number; function: { arguments: string } }[])[0]!);
    expect(args.every((a) => a.index === 0)).toBe(true);
    expect(JSON.parse(args.map((a) => a.function.arguments).join(''))).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    // The first input_json_delta is empty: it adds nothing, so no chunk is sent for it.
    expect(args).toHaveLength(8);
    const [finish, usage, done] = out.slice(-3) as [Json & { choices: Json[] }, Json, string];
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
    expect(usage).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 2520, completion_tokens: 89, total_tokens: 2609, prompt_tokens_details: { cached_tokens: 2048 } } });
    expect(done).toBe('[DONE]');
    for (const c of out.slice(0, -1)) expect(c).toMatchObject({ id: 'chatcmpl-014p7gG3wDgGV9EUtLvnow3U', model: 'anthropic/claude-sonnet-4-5' });
  });

  it('streams thinking as reasoning_content, apart from the content', () => {
    const out = data(replay(chatToMessages.stream('m'), fixture('anthropic-messages-stream-thinking.sse')));
    const deltas = out.slice(0, -3).map((c) => ((c as { choices: { delta: Json }[] }).choices[0]!.delta));
    expect(deltas.slice(1, 4).every((d) => typeof d.reasoning_content === 'string' && d.content === undefined)).toBe(true);
    expect(deltas.slice(4).map((d) => d.content).join('')).toBe('The GCD of 1071 and 462 is **21**.');
    expect((out.at(-2) as { usage: Json }).usage).toMatchObject({ prompt_tokens: 85, completion_tokens: 143 });
  });

  it('reports thinking tokens as reasoning_tokens', () => {
    const withDetails = fixture('anthropic-messages-stream-thinking.sse').replace('"usage":{"output_tokens":143}', '"usage":{"output_tokens":143,"output_tokens_details":{"thinking_tokens":120}}');
    const out = data(replay(chatToMessages.stream('m'), withDetails));
    expect((out.at(-2) as { usage: Json }).usage).toMatchObject({ completion_tokens: 143, completion_tokens_details: { reasoning_tokens: 120 } });
  });

  it('tells an overloaded_error mid-stream as a chat error chunk, with no [DONE]', () => {
    const out = data(replay(chatToMessages.stream('m'), fixture('anthropic-messages-stream-overloaded.sse')));
    expect(out.at(-1)).toEqual({ error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: null } });
    expect(out).not.toContain('[DONE]');
  });

  it('ends a stream cut before message_stop without [DONE]', () => {
    const cut = fixture('anthropic-messages-stream-tool-use.sse').replace(/event: message_stop\n.*\n\n$/, '');
    const out = data(replay(chatToMessages.stream('m'), cut));
    expect(out).not.toContain('[DONE]');
    expect((out.at(-1) as { choices: Json[] }).choices[0]).toMatchObject({ finish_reason: 'tool_calls' });
  });
});
