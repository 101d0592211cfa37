import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7LowerBound } from './ids.js';

describe('uuidv7', () => {
  it('has the version 7 and variant bits and the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0);
    const id = uuidv7(now + 1000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now + 1000);
  });

  it('sorts in creation order, also within one millisecond and across the random pool refill', () => {
    const ids = Array.from({ length: 3000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays ordered when the clock steps back', () => {
    const a = uuidv7(Date.now() + 60_000);
    const b = uuidv7(Date.now());
    expect(b > a).toBe(true);
  });
});

describe('uuidv7LowerBound', () => {
  it('sorts at or below every id of its millisecond and above every earlier one', () => {
    const ms = Date.UTC(2026, 10, 23, 13, 0, 0);
    const bound = uuidv7LowerBound(ms);
    expect(uuidv7(ms + 10) >= bound).toBe(true);
    expect(uuidv7LowerBound(ms - 1) < bound).toBe(true);
    expect(bound).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-0000-0000-000000000000$/);
  });
});
