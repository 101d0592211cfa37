import { describe, expect, it } from 'vitest';
import { fingerprint, IdMemo, MEMO_MIN_CHARS, textIds } from './memo.js';

// A fresh string object with the same content, as a newly parsed request body holds.
const copy = (s: string) => JSON.parse(JSON.stringify(s)) as string;

describe('textIds', () => {
  it('gives an equal text resent in a new request the same id, and short texts none', () => {
    const long = `${'const retry = 3;\n'.repeat(64)}turn 1`;
    const [a, short] = textIds([long, 'hi']);
    expect(short).toBeNull();
    expect(a).toEqual(expect.any(Number));
    expect(textIds([copy('x'), copy(long)])).toEqual([null, a]);
  });

  it('never lets a text that shares the fingerprint of another borrow its id', () => {
    const base = 'a'.repeat(1024);
    // Position 1 is not sampled by the fingerprint (it takes every 32nd character and the last 16).
    const forged = `a${'S'}${'a'.repeat(1022)}`;
    expect(fingerprint(forged)).toBe(fingerprint(base));
    const [idBase] = textIds([base]);
    const [idForged] = textIds([forged]);
    expect(idForged).not.toBe(idBase);
    // And the original, looked up again, is not mistaken for the forged one either.
    expect(textIds([copy(base)])[0]).not.toBe(idForged);
    expect(base.length).toBeGreaterThanOrEqual(MEMO_MIN_CHARS);
  });
});

describe('IdMemo', () => {
  it('drops the oldest entry past its size', () => {
    const m = new IdMemo<string>(2);
    m.set(1, 'a');
    m.set(2, 'b');
    m.set(3, 'c');
    expect([m.get(1), m.get(2), m.get(3)]).toEqual([undefined, 'b', 'c']);
  });
});
