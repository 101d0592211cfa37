import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requestTexts, responseTexts } from '../local-gateway/contracts/texts.js';
import { requestTurns, responseTurns, type Part, type Turn } from '../renderer/src/conversation.js';

/**
 * The dashboard marks a guardrail finding (`input[3]` 9–25) on the text the engine scanned as
 * number 3: its chat view must number the texts of a body exactly as the engine's
 * requestTexts/responseTexts do, for every client API.
 */
function slotted(turns: Turn[]): { slot: number; text: string }[] {
  const out: { slot: number; text: string }[] = [];
  const walk = (parts: Part[]) => {
    for (const p of parts) {
      if (p.kind === 'text' && p.slot !== null) out.push({ slot: p.slot, text: p.text });
      if (p.kind === 'tool_result') walk(p.parts);
    }
  };
  for (const t of turns) walk(t.parts);
  return out.sort((a, b) => a.slot - b.slot);
}

const engine = (texts: { text: string }[]) => texts.map((t, slot) => ({ slot, text: t.text }));

const read = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
/** A recorded request's body (the recordings keep method, path and headers around it). */
const recorded = (name: string): unknown => read(name).body;

const REQUESTS: Record<string, unknown> = {
  'chat with tools': {
    model: 'm',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'look up a' }, { type: 'image_url', image_url: { url: 'data:,' } }, { type: 'text', text: 'and b' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'result a' },
    ],
  },
  'Messages with a tool result': {
    model: 'm',
    system: [{ type: 'text', text: 'sys' }],
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 't' }, { type: 'text', text: 'calling' }, { type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'out' }] }, { type: 'text', text: 'next' }] },
    ],
  },
  'Responses with a function call output': {
    model: 'm',
    instructions: 'rules',
    input: [
      { role: 'user', content: [{ type: 'input_text', text: 'do it' }] },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c', output: 'done' },
      'plain string',
    ],
  },
  'Claude Code request (recorded)': recorded('anthropic/claude-code-2.1.197-messages.json'),
  'Codex history (recorded)': read('responses/codex-history-request.json'),
  'Codex request (recorded)': recorded('responses/codex-0.169.0-request.json'),
};

const ANSWERS: Record<string, unknown> = {
  chat: { choices: [{ message: { role: 'assistant', content: 'hi', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] } }] },
  Messages: { content: [{ type: 'text', text: 'a' }, { type: 'tool_use', id: 't', name: 'f', input: {} }, { type: 'text', text: 'b' }] },
  Responses: { output: [{ type: 'reasoning', summary: [] }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'r' }] }] },
};

describe('the dashboard numbers texts as the policy engine does', () => {
  for (const [name, body] of Object.entries(REQUESTS)) {
    it(`request: ${name}`, () => {
      const expected = engine(requestTexts(structuredClone(body)));
      expect(expected.length).toBeGreaterThan(1);
      expect(slotted(requestTurns(body))).toEqual(expected);
    });
  }
  for (const [name, body] of Object.entries(ANSWERS)) {
    it(`answer: ${name}`, () => {
      const expected = engine(responseTexts(structuredClone(body)));
      expect(expected.length).toBeGreaterThan(0);
      expect(slotted(responseTurns(body))).toEqual(expected);
    });
  }
});
