import { describe, expect, it } from 'vitest';
import { codePointMapper } from './code-points.js';

describe('codePointMapper', () => {
  it('leaves offsets alone in a text without surrogate pairs', () => {
    const at = codePointMapper('plain ascii and é, ü, 漢字');
    expect([0, 5, 20].map(at)).toEqual([0, 5, 20]);
  });

  it('counts an emoji as one character before a match', () => {
    const text = '😀😀 mail jane@acme.io';
    const start = text.indexOf('jane');
    const at = codePointMapper(text);
    expect(start).toBe(10);
    expect(at(start)).toBe(8);
    expect(at(start + 'jane@acme.io'.length)).toBe(20);
    // The same as Python's text[8:20].
    expect([...text].slice(at(start), at(text.length)).join('')).toBe('jane@acme.io');
  });

  it('counts a character as passed at an offset between its halves, and ignores lone halves', () => {
    const at = codePointMapper('a😀b');
    expect([0, 1, 2, 3, 4].map(at)).toEqual([0, 1, 2, 2, 3]);
    const lone = codePointMapper('\uDE00x\uD83D');
    expect([0, 1, 2, 3].map(lone)).toEqual([0, 1, 2, 3]);
  });
});
