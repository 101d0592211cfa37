import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/lib/code-corpus.js';
import { repeatedLines } from './repeats.js';

describe('repeatedLines', () => {
  const hosts = ['alpha line one\nbeta line 2\n\ngamma', 'retry 3 of 5\nok'];

  it('repeats lines of the host texts to between one and two windows, the same for a seed', () => {
    const texts = repeatedLines(prng(7), hosts, 50, 100);
    expect(texts).toHaveLength(50);
    expect(repeatedLines(prng(7), hosts, 50, 100)).toEqual(texts);
    const known = new Set(hosts.flatMap((h) => h.split('\n')).map((l) => l.replace(/\d+/, '#')));
    for (const t of texts) {
      expect(t.length).toBeGreaterThanOrEqual(100);
      expect(t.length).toBeLessThan(200 + 161);
      for (const line of t.trimEnd().split('\n')) expect(known.has(line.replace(/\d+/, '#'))).toBe(true);
      expect(new Set(t.trimEnd().split('\n').map((l) => l.replace(/\d+/, '#'))).size).toBeLessThanOrEqual(3);
    }
  });

  it('gives nothing from hosts without a usable line', () => {
    expect(repeatedLines(prng(1), ['\n\n x \n'], 5, 100)).toEqual([]);
  });
});
