import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sessionOf, tracePreview } from './preview.js';

const recorded = (path: string) => JSON.parse(readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), 'utf8')) as { headers: Record<string, string>; body: Record<string, unknown> };
const preview = (request_body: unknown, response_body: unknown, request_headers: Record<string, string> = {}) => tracePreview({ request_headers, metadata: {}, request_body, response_body });

describe('list previews', () => {
  it("groups an agent's turns by the session id its requests carry", () => {
    const claude = recorded('anthropic/claude-code-2.1.197-messages.json');
    expect(sessionOf(claude.headers, claude.body, {})).toBe(claude.headers['x-claude-code-session-id']);
    const codex = recorded('responses/codex-0.169.0-request.json');
    expect(sessionOf(codex.headers, codex.body, {})).toBe(codex.headers['session-id']);
    // Without the header, Codex still names it in client_metadata.
    expect(sessionOf({}, codex.body, {})).toBe((codex.body.client_metadata as { session_id: string }).session_id);
    expect(sessionOf({}, { messages: [], metadata: { user_id: 'user_ab_account_cd_session_30823989-6b4b-442a-badc-44ce9adc2b66' } }, {})).toBe('30823989-6b4b-442a-badc-44ce9adc2b66');
  });

  it('else by the conversation prefix: later turns of one chat share it, another chat does not', () => {
    const first = [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'plan the release' }];
    const later = [...first, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'now the notes' }];
    const a = sessionOf({}, { messages: first }, {});
    expect(a).toMatch(/^conv-[0-9a-f]{16}$/);
    expect(sessionOf({}, { messages: later }, {})).toBe(a);
    expect(sessionOf({}, { messages: [{ role: 'user', content: 'something else' }] }, {})).not.toBe(a);
    // GET /v1/models has no conversation.
    expect(sessionOf({}, null, {})).toBeNull();
  });

  it('shows the last user message and the answer, or the tool it called, for each API', () => {
    const chat = { messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: [{ type: 'text', text: 'second   one' }] }] };
    expect(preview(chat, { choices: [{ message: { content: 'the answer' } }] })).toMatchObject({ ask: 'second one', answer: 'the answer' });
    expect(preview(chat, { choices: [{ message: { content: null, tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }] }).answer).toBe('→ get_weather({"city":"Paris"})');
    const toolTurn = { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] }] };
    expect(preview(toolTurn, { content: [{ type: 'tool_use', name: 'bash', input: { cmd: 'ls' } }] })).toMatchObject({ ask: '↩ tool result: sunny', answer: '→ bash({"cmd":"ls"})' });
    expect(preview({ input: 'hello' }, { output: [{ type: 'message', content: [{ type: 'output_text', text: 'hi there' }] }] })).toMatchObject({ ask: 'hello', answer: 'hi there' });
    expect(preview({ input: 'x'.repeat(1000) }, null).ask).toHaveLength(160);
  });

  it('clips a long text as if the whole of it had its whitespace collapsed', () => {
    const whole = (text: string) => {
      const one = text.replace(/\s+/g, ' ').trim();
      return one.length > 160 ? `${one.slice(0, 159)}…` : one;
    };
    const texts = [
      `  step 1\n${'export const a = 1;\n'.repeat(300)}`,
      // Whitespace runs long enough that the first 640 characters collapse to fewer than a row shows.
      `${' '.repeat(500)}start${'\n'.repeat(400)}${'word '.repeat(400)}`,
      `${'x '.repeat(80)}${' '.repeat(4000)}`,
      `${'y'.repeat(159)}${' '.repeat(1000)}`,
      `${'z'.repeat(161)}${' '.repeat(1000)}`,
    ];
    for (const text of texts) expect(preview({ messages: [{ role: 'user', content: text }] }, null).ask).toBe(whole(text));
  });

  it('reads the answer of a stream from its events', () => {
    const chat = 'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\ndata: {"choices":[{"delta":{"content":"Hel"}}]}\n\ndata: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n';
    expect(preview({ messages: [] }, chat).answer).toBe('Hello');
    const anthropic = readFileSync(new URL('../../test/fixtures/anthropic/anthropic-messages-stream-tool-use.sse', import.meta.url), 'utf8');
    expect(preview({ messages: [] }, anthropic).answer).toMatch(/\S/);
    const responses = 'event: response.output_item.added\ndata: {"type":"response.output_item.added","item":{"type":"function_call","name":"shell"}}\n\nevent: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","delta":"{\\"cmd\\":1}"}\n\n';
    expect(preview({ input: [] }, responses).answer).toBe('→ shell({"cmd":1})');
  });
});
