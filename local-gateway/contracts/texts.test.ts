import { describe, expect, it } from 'vitest';
import { keepKinds, requestTexts, slotTexts, textKinds } from './texts.js';

describe('text kinds', () => {
  it('marks tool output in every client API as tool, beside system and user text', () => {
    const anthropic = {
      system: 'be brief',
      messages: [
        { role: 'user', content: 'fetch it' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'fetch', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'page' }] }] },
      ],
    };
    const chat = { messages: [{ role: 'system', content: 's' }, { role: 'tool', tool_call_id: 'c', content: 'out' }] };
    const responses = { instructions: 'i', input: [{ role: 'user', content: 'q' }, { type: 'function_call_output', call_id: 'c', output: 'result' }] };
    const kinds = (body: unknown) => {
      const texts = slotTexts(requestTexts(body));
      return texts.map((t, i) => [t, textKinds(texts)![i]]);
    };
    expect(kinds(anthropic)).toEqual([['be brief', 'system'], ['fetch it', 'user'], ['page', 'tool']]);
    expect(kinds(chat)).toEqual([['s', 'system'], ['out', 'tool']]);
    expect(kinds(responses)).toEqual([['i', 'system'], ['q', 'user'], ['result', 'tool']]);
  });

  it('a Responses tool output is a slot that a redaction writes back', () => {
    const body = { input: [{ type: 'function_call_output', call_id: 'c', output: 'secret' }] };
    requestTexts(body)[0]!.set('[redacted]');
    expect(body.input[0]!.output).toBe('[redacted]');
  });

  it('kinds survive a redaction that returns a new array', () => {
    const texts = slotTexts([{ text: 'a', set: () => {}, kind: 'tool' }]);
    const next = keepKinds(texts, ['b']);
    expect(textKinds(next)).toEqual(['tool']);
    expect(textKinds(['unrelated'])).toBeUndefined();
  });
});
