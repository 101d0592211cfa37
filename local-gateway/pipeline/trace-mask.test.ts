import { describe, expect, it } from 'vitest';
import { maskJsonText } from './trace-mask.js';

const SECRET = 'sk-trace-mask-0123456789abcdef';
const escaped = [...SECRET].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

describe('maskJsonText', () => {
  it('masks a secret a string holds as written-out escapes (a model name, an error message), not only as JSON escapes', () => {
    // The string's value is the six characters `\u0073` per character: in JSON text, `\\u0073`.
    const text = JSON.stringify({ requested_model: escaped, error_message: `key ${escaped} refused` });
    const masked = maskJsonText(text, [SECRET]);
    expect(masked).not.toContain('u0073\\\\u006b');
    expect(JSON.parse(masked)).toEqual({ requested_model: '[redacted]', error_message: 'key [redacted] refused' });
  });

  it('still masks JSON escapes and leaves clean text as it was', () => {
    expect(maskJsonText(`{"a":"${escaped}"}`, [SECRET])).toBe('{"a":"[redacted]"}');
    expect(maskJsonText('{"a": "\\\\u0041 clean"}', [SECRET])).toBe('{"a": "\\\\u0041 clean"}');
  });
});
