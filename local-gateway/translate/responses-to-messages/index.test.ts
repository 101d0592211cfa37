import { describe, expect, it } from 'vitest';
import { counterIds, fixtureJson, fixtureText, translateTranscript } from '../../../test/helpers/sse-fixtures.js';
import { DEFAULT_MAX_TOKENS, SIGNED, request, response, stream } from './index.js';

const opts = () => ({ newId: counterIds(), now: () => 1_763_900_000_000 });

describe('responses → messages: request', () => {
  it('maps a Codex history to Anthropic messages, system blocks and tools', () => {
    const out = request(fixtureJson('responses/codex-history-request.json'), 'claude-sonnet-4-5', true);
    expect(out.system).toEqual([
      { type: 'text', text: 'You are Codex, a coding agent.' },
      { type: 'text', text: '<permissions instructions>sandbox: read-only</permissions instructions>' },
    ]);
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this screenshot, and list the files.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: expect.stringMatching(/^iVBOR/) as string } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A one-pixel image. Listing the files now.' },
          { type: 'tool_use', id: 'call_ls_1', name: 'exec_command', input: { cmd: 'ls' } },
          { type: 'tool_use', id: 'call_pwd_2', name: 'exec_command', input: { cmd: 'pwd' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_ls_1', content: 'README.md\npackage.json' },
          { type: 'tool_result', tool_use_id: 'call_pwd_2', content: '/work/project' },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
    expect(out.tools).toEqual([
      { name: 'exec_command', description: 'Runs a shell command.', input_schema: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'], additionalProperties: false } },
      { name: 'spawn_agent', description: 'Starts an agent.', input_schema: { type: 'object', properties: { message: { type: 'string' } }, additionalProperties: false } },
    ]);
    expect(out).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 20000, tool_choice: { type: 'auto' }, stream: true });
    // The history's tool calls come without Claude's signed thinking (its reasoning is OpenAI's): thinking off.
    expect(out).not.toHaveProperty('thinking');
    for (const key of ['input', 'include', 'store', 'prompt_cache_key', 'instructions', 'reasoning', 'parallel_tool_calls']) expect(out).not.toHaveProperty(key);
  });

  it('always sends max_tokens, and maps tool_choice and parallel_tool_calls', () => {
    const tools = [{ type: 'function', name: 'f', parameters: { type: 'object' } }];
    expect(request({ model: 'm', input: 'hi' }, 'c', false)).toEqual({ model: 'c', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    expect(request({ model: 'm', input: 'hi', tools, tool_choice: 'required', parallel_tool_calls: false }, 'c', false).tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(request({ model: 'm', input: 'hi', tools, tool_choice: { type: 'function', name: 'f' } }, 'c', false).tool_choice).toEqual({ type: 'tool', name: 'f' });
    expect(request({ model: 'm', input: 'hi', tools, tool_choice: 'none' }, 'c', false).tool_choice).toEqual({ type: 'none' });
  });

  it('refuses function-call arguments that are not JSON, naming the call', () => {
    const body = { model: 'm', input: [{ type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{"cmd":' }] };
    expect(() => request(body, 'c', false)).toThrow(/arguments of the exec_command function call in input are not JSON/);
  });

  it('replays Claude\'s signed thinking before its tool call, so thinking stays on across turns', () => {
    const input = [
      { type: 'message', role: 'user', content: 'list files' },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'I will run ls.' }], encrypted_content: `${SIGNED}sig123` },
      { type: 'function_call', call_id: 'toolu_1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' },
    ];
    const out = request({ model: 'm', input, reasoning: { effort: 'medium' } }, 'c', false);
    expect((out.messages as { content: unknown[] }[])[1]!.content).toEqual([
      { type: 'thinking', thinking: 'I will run ls.', signature: 'sig123' },
      { type: 'tool_use', id: 'toolu_1', name: 'exec_command', input: { cmd: 'ls' } },
    ]);
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    // Reasoning another provider encrypted is not Claude's: dropped, and thinking goes off rather than fail.
    input[1] = { type: 'reasoning', summary: [], encrypted_content: 'gAAAAB-openai-blob' };
    const other = request({ model: 'm', input, reasoning: { effort: 'medium' } }, 'c', false);
    expect((other.messages as { content: { type: string }[] }[])[1]!.content.map((b) => b.type)).toEqual(['tool_use']);
    expect(other).not.toHaveProperty('thinking');
  });

  it('refuses previous_response_id: the provider has no stored responses', () => {
    expect(() => request({ model: 'm', input: 'hi', previous_response_id: 'resp_1' }, 'c', false)).toThrow(/previous_response_id needs OpenAI's stored responses/);
  });

  it('takes the real Codex 0.169 request as recorded', () => {
    const out = request(fixtureJson('responses/codex-0.169.0-request.json').body as Record<string, unknown>, 'claude-sonnet-4-5', true);
    expect((out.system as unknown[]).length).toBe(2);
    expect((out.messages as { role: string }[]).map((m) => m.role)).toEqual(['user']);
    expect((out.tools as { name: string }[]).map((t) => t.name)).toContain('exec_command');
  });
});

describe('responses → messages: answer', () => {
  it('thinking becomes a reasoning item, tool_use a function call; cached input counts as input', () => {
    const out = response(fixtureJson('responses/messages-tool.json'), 'anthropic/claude', opts()) as Record<string, unknown>;
    expect(out).toMatchObject({ id: 'resp_1', status: 'completed', model: 'anthropic/claude' });
    expect(out.output).toEqual([
      { id: 'rs_2', type: 'reasoning', summary: [{ type: 'summary_text', text: 'I should look at the weather tool.' }], encrypted_content: `${SIGNED}EqQBCgIYAhIM1gbcDa9GJwZA` },
      { id: 'msg_3', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: "I'll check the weather." }] },
      { id: 'fc_4', type: 'function_call', status: 'completed', call_id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(out.usage).toEqual({ input_tokens: 3512, input_tokens_details: { cached_tokens: 3000 }, output_tokens: 64, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 3576 });
  });

  it('max_tokens is an incomplete response', () => {
    const out = response({ content: [{ type: 'text', text: 'Once' }], stop_reason: 'max_tokens', usage: { input_tokens: 5, output_tokens: 1 } }, 'm', opts()) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});

describe('responses → messages: stream', () => {
  it('emits reasoning, text and a function call event by event, then response.completed', () => {
    const events = translateTranscript(stream('anthropic/claude', opts()), fixtureText('responses/messages-stream-thinking-tool.sse'));
    expect(events.map((e) => e.data.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    events.forEach((e, i) => expect(e.data.sequence_number).toBe(i));
    expect(events[8]!.data.item).toEqual({
      id: 'rs_2',
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'The user wants the files listed. I will run ls.' }],
      encrypted_content: `${SIGNED}EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds`,
    });
    expect(events[13]!.data).toMatchObject({ item_id: 'msg_3', output_index: 1, text: 'Listing the files.' });
    expect(events[16]!.data.item).toMatchObject({ id: 'fc_4', type: 'function_call', call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'exec_command' });
    expect(events[20]!.data).toMatchObject({ output_index: 2, item: { id: 'fc_4', status: 'completed', arguments: '{"cmd": "ls"}' } });
    const completed = events.at(-1)!.data.response as Record<string, unknown>;
    expect((completed.output as { id: string }[]).map((o) => o.id)).toEqual(['rs_2', 'msg_3', 'fc_4']);
    expect(completed.usage).toEqual({ input_tokens: 2520, input_tokens_details: { cached_tokens: 2048 }, output_tokens: 89, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2609 });
  });

  it('an error event mid-stream becomes error + response.failed; nothing completes', () => {
    const events = translateTranscript(stream('m', opts()), fixtureText('responses/messages-stream-overloaded.sse'));
    const types = events.map((e) => e.data.type);
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    expect(types).not.toContain('response.completed');
    expect(events.at(-2)!.data).toMatchObject({ code: 'overloaded_error', message: 'Overloaded' });
  });

  it('a stream cut before message_stop ends without a terminal event', () => {
    const text = fixtureText('responses/messages-stream-thinking-tool.sse').split('event: message_delta')[0]!;
    const types = translateTranscript(stream('m', opts()), text).map((e) => e.data.type);
    expect(types).toContain('response.function_call_arguments.done');
    expect(types.some((t) => ['response.completed', 'response.failed', 'response.incomplete'].includes(t))).toBe(false);
  });
});
