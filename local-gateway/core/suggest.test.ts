import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from './suggest.js';

describe('nearest', () => {
  it('finds the key a typo meant', () => {
    expect(nearest('limts', ['providers', 'limits', 'timeouts'])).toBe('limits');
    expect(nearest('api_kye', ['id', 'kind', 'api_key', 'base_url'])).toBe('api_key');
    expect(nearest('prot', ['port', 'home', 'config'])).toBe('port');
    expect(nearest('metdata', ['metadata', 'models'])).toBe('metadata');
  });

  it('suggests nothing for a word unlike every candidate', () => {
    expect(nearest('banana', ['providers', 'limits'])).toBeNull();
    expect(nearest('x', [])).toBeNull();
  });

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
