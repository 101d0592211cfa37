import { describe, expect, it } from 'vitest';
import { counterIds, fixtureJson, fixtureText, translateTranscript } from '../../../test/helpers/sse-fixtures.js';
import { planUpstream } from '../index.js';
import type { ProviderAdapter } from '../../providers/types.js';
import { request, response, stream } from './index.js';

const opts = () => ({ newId: counterIds(), now: () => 1_763_900_000_000 });

describe('responses → chat completions: request', () => {
  it('maps a Codex history: roles, images, calls and their outputs, tools, reasoning dropped', () => {
    const body = fixtureJson('responses/codex-history-request.json');
    const out = request(body, 'gpt-4o-mini', true);
    expect(out.model).toBe('gpt-4o-mini');
    expect(out.messages).toEqual([
      { role: 'system', content: 'You are Codex, a coding agent.' },
      { role: 'system', content: '<permissions instructions>sandbox: read-only</permissions instructions>' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this screenshot, and list the files.' },
          { type: 'image_url', image_url: { url: expect.stringMatching(/^data:image\/png;base64,iVBOR/) as string, detail: 'auto' } },
        ],
      },
      {
        role: 'assistant',
        content: 'A one-pixel image. Listing the files now.',
        tool_calls: [
          { id: 'call_ls_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } },
          { id: 'call_pwd_2', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"pwd"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_ls_1', content: 'README.md\npackage.json' },
      { role: 'tool', tool_call_id: 'call_pwd_2', content: '/work/project' },
      { role: 'user', content: 'thanks' },
    ]);
    // Namespaced tools are flattened; the built-in web_search has no chat equivalent.
    expect((out.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(['exec_command', 'spawn_agent']);
    expect(out).toMatchObject({ tool_choice: 'auto', parallel_tool_calls: true, max_tokens: 20000, reasoning_effort: 'low', stream: true, stream_options: { include_usage: true } });
    for (const key of ['input', 'include', 'store', 'prompt_cache_key', 'instructions', 'reasoning', 'max_output_tokens']) expect(out).not.toHaveProperty(key);
  });

  it('takes the real Codex 0.169 request as recorded', () => {
    const body = fixtureJson('responses/codex-0.169.0-request.json').body as Record<string, unknown>;
    const out = request(body, 'gpt-4o-mini', true);
    const messages = out.messages as { role: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'system', 'user', 'user']);
    const names = (out.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(names).toEqual(expect.arrayContaining(['exec_command', 'spawn_agent', 'close_agent', 'update_goal']));
    expect(names).not.toContain('web_search');
  });

  it('names the item a provider cannot take', () => {
    const body = { model: 'm', input: [{ type: 'message', role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] };
    expect(() => request(body, 'm', false)).toThrow(/input\.0\.content\.0 has type "input_audio"/);
  });

  it('maps a forced function and structured output', () => {
    const body = {
      model: 'm',
      input: 'hi',
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'f' },
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
    };
    const out = request(body, 'm', false);
    expect(out.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(out.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(out.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }]);
    expect(out.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } });
    expect(out).not.toHaveProperty('stream');
  });
});

describe('responses → chat completions: answer', () => {
  it('turns reasoning, text and tool calls into output items with full usage', () => {
    const out = response(fixtureJson('responses/chat-completion-reasoning.json'), 'up/qwen3', opts()) as Record<string, unknown>;
    expect(out).toMatchObject({ id: 'resp_1', object: 'response', status: 'completed', model: 'up/qwen3', incomplete_details: null, created_at: 1_763_900_000 });
    expect(out.output).toEqual([
      { id: 'rs_2', type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user asks about the weather; the tool said sunny.' }] },
      { id: 'msg_3', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'It is sunny in Paris.' }] },
      { id: 'fc_4', type: 'function_call', status: 'completed', call_id: 'call_a1', name: 'get_weather', arguments: '{"city":"Lyon"}' },
    ]);
    expect(out.usage).toEqual({ input_tokens: 88, input_tokens_details: { cached_tokens: 0 }, output_tokens: 31, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 119 });
  });

  it('a length stop is an incomplete response', () => {
    const out = response(fixtureJson('responses/chat-completion-length.json'), 'm', opts()) as Record<string, unknown>;
    expect(out.status).toBe('incomplete');
    expect(out.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });
});

describe('responses → chat completions: stream', () => {
  it('emits the Responses events in order, ids stable, usage complete', () => {
    const events = translateTranscript(stream('up/gpt-4o-mini', opts()), fixtureText('responses/chat-stream-tool.sse'));
    expect(events.map((e) => e.data.type)).toEqual([
      'response.created',
      'response.in_progress',
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
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    // The SSE event name is the type; sequence numbers count up from 0 without a gap.
    events.forEach((e, i) => {
      expect(e.event).toBe(e.data.type);
      expect(e.data.sequence_number).toBe(i);
    });
    expect(events[2]!.data).toMatchObject({ output_index: 0, item: { id: 'msg_2', type: 'message', status: 'in_progress', content: [] } });
    expect(events.slice(3, 9).every((e) => e.data.item_id === 'msg_2' || (e.data.item as { id: string }).id === 'msg_2')).toBe(true);
    expect(events[6]!.data.text).toBe('Let me check.');
    expect(events[9]!.data).toMatchObject({ output_index: 1, item: { id: 'fc_3', type: 'function_call', call_id: 'call_Qm3aXv9TzLk1pR7sNc2bW4yE', name: 'exec_command', arguments: '' } });
    expect(events.slice(10, 14).map((e) => e.data.delta).join('')).toBe('{"cmd":"ls"}');
    expect(events[14]!.data).toMatchObject({ item_id: 'fc_3', output_index: 1, arguments: '{"cmd":"ls"}' });
    const completed = events.at(-1)!.data.response as Record<string, unknown>;
    expect(completed).toMatchObject({ id: 'resp_1', status: 'completed', model: 'up/gpt-4o-mini' });
    expect((completed.output as { type: string }[]).map((o) => o.type)).toEqual(['message', 'function_call']);
    // Codex reconnects when reasoning_tokens is missing (Bifrost #891): it is always there.
    expect(completed.usage).toEqual({ input_tokens: 1204, input_tokens_details: { cached_tokens: 1024 }, output_tokens: 21, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1225 });
    expect((events[0]!.data.response as { id: string }).id).toBe('resp_1');
  });

  it('an error chunk mid-stream becomes error + response.failed', () => {
    const events = translateTranscript(stream('m', opts()), fixtureText('responses/chat-stream-error.sse'));
    expect(events.map((e) => e.data.type).slice(-2)).toEqual(['error', 'response.failed']);
    expect(events.at(-2)!.data).toMatchObject({ code: 'server_error', message: expect.stringContaining('The server had an error') as string });
    expect(events.at(-1)!.data.response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect(events.map((e) => e.data.type)).not.toContain('response.completed');
  });

  it('a length stop ends in response.incomplete', () => {
    const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const text = chunk({ role: 'assistant', content: 'Once' }, null) + chunk({}, 'length') + 'data: [DONE]\n\n';
    const events = translateTranscript(stream('m', opts()), text);
    expect(events.at(-1)!.data).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } });
    expect(events.at(-2)!.data.type).toBe('response.output_item.done');
  });

  it('a stream cut before [DONE] ends without response.completed', () => {
    const cut = fixtureText('responses/chat-stream-tool.sse').split('data: {"id":"chatcmpl-CX7fs2J1kq4aBvT0xR8m2N5pQwE3","object":"chat.completion.chunk","created":1763900000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_560af6e559","choices":[{"index":0,"delta":{"tool_calls"')[0]!;
    const types = translateTranscript(stream('m', opts()), cut).map((e) => e.data.type);
    expect(types).toContain('response.output_text.delta');
    expect(types.filter((t) => t === 'response.completed' || t === 'response.failed' || t === 'response.incomplete')).toEqual([]);
  });
});

describe('planUpstream for a responses client', () => {
  const provider = (apis: string[]) => ({ apis: new Set(apis) }) as unknown as ProviderAdapter;
  it('passes through to a provider with Responses, else translates to what it speaks', () => {
    expect(planUpstream('responses', provider(['responses', 'chat.completions']))).toEqual({ api: 'responses', translation: null });
    expect(planUpstream('responses', provider(['chat.completions']))?.translation?.to).toBe('chat.completions');
    expect(planUpstream('responses', provider(['messages', 'messages.count_tokens']))?.translation?.to).toBe('messages');
    expect(planUpstream('responses', provider(['embeddings']))).toBeNull();
  });
});
