import { describe, expect, it } from 'vitest';
import { prependField, replaceModel } from './json-text.js';

describe('replaceModel', () => {
  it('rewrites the top-level model, whatever the spacing, and nothing else', () => {
    const text = '{\n  "model" : "up/gpt-4o",\n  "messages": [{"role":"user","content":"say \\"model\\":\\"up/gpt-4o\\""}]\n}';
    const out = replaceModel(text, 'up/gpt-4o', 'gpt-4o')!;
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(text), model: 'gpt-4o' });
  });

  it('leaves the same value under another key alone, and finds the key across line breaks', () => {
    const text = '{"metadata":{"name":"up/gpt-4o"},\n"model"\n:\t"up/gpt-4o","user":"up/gpt-4o"}';
    expect(JSON.parse(replaceModel(text, 'up/gpt-4o', 'gpt-4o')!)).toEqual({ metadata: { name: 'up/gpt-4o' }, model: 'gpt-4o', user: 'up/gpt-4o' });
  });

  it('refuses when the same pair also appears in a nested object', () => {
    const text = '{"tools":[{"model":"up/gpt-4o"}],"model":"up/gpt-4o"}';
    expect(replaceModel(text, 'up/gpt-4o', 'gpt-4o')).toBeNull();
  });

  it('refuses when the model is spelled with escapes it cannot see', () => {
    expect(replaceModel('{"model":"\\u0075p/m"}', 'up/m', 'm')).toBeNull();
  });

  it('treats regex characters in model names literally', () => {
    expect(JSON.parse(replaceModel('{"model":"a/b.c+d"}', 'a/b.c+d', 'b.c+d')!)).toEqual({ model: 'b.c+d' });
    expect(replaceModel('{"model":"a/bxc"}', 'a/b.c', 'b.c')).toBeNull();
  });
});

describe('prependField', () => {
  it('adds a field to an object, leading whitespace allowed', () => {
    expect(JSON.parse(prependField('  {"a":1}', 'stream_options', { include_usage: true })!)).toEqual({ stream_options: { include_usage: true }, a: 1 });
  });

  it('refuses what is not an object', () => {
    expect(prependField('[1]', 'x', 1)).toBeNull();
  });
});
