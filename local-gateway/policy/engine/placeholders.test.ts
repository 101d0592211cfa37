import { describe, expect, it } from 'vitest';
import { Placeholders, restoreJson, restoreText } from './placeholders.js';

describe('placeholders', () => {
  it('gives a value one name per kind and counts each kind on its own', () => {
    const p = new Placeholders();
    expect(p.name('EMAIL', 'a@x.io', true)).toBe('<EMAIL_1>');
    expect(p.name('PHONE', '+1 415 555 2671', false)).toBe('<PHONE_1>');
    expect(p.name('EMAIL', 'b@x.io', true)).toBe('<EMAIL_2>');
    expect(p.name('EMAIL', 'a@x.io', true)).toBe('<EMAIL_1>');
    expect([...p.restorable]).toEqual([
      ['<EMAIL_1>', 'a@x.io'],
      ['<EMAIL_2>', 'b@x.io'],
    ]);
  });

  it('restores known placeholders in text and leaves unknown ones', () => {
    const values = new Map([['<EMAIL_1>', 'a@x.io']]);
    expect(restoreText('to <EMAIL_1>, not <EMAIL_9> or <b>', values)).toBe('to a@x.io, not <EMAIL_9> or <b>');
  });

  it('restores every string of a JSON answer, escaped brackets and tool arguments included', () => {
    const values = new Map([['<EMAIL_1>', 'a@x.io']]);
    const answer = {
      choices: [{ message: { content: 'Sent to <EMAIL_1>.', tool_calls: [{ function: { name: 'send', arguments: '{"to":"<EMAIL_1>"}' } }] } }],
    };
    const restored = JSON.parse(restoreJson(JSON.stringify(answer), values)) as typeof answer;
    expect(restored.choices[0]!.message.content).toBe('Sent to a@x.io.');
    expect(restored.choices[0]!.message.tool_calls[0]!.function.arguments).toBe('{"to":"a@x.io"}');
    expect(JSON.parse(restoreJson('{"text":"\\u003cEMAIL_1\\u003e"}', values))).toEqual({ text: 'a@x.io' });
    const untouched = '{"text":"no names here"}';
    expect(restoreJson(untouched, values)).toBe(untouched);
  });
});
