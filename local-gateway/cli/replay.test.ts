import { describe, expect, it } from 'vitest';
import { progressBar } from './replay.js';

describe('replay progress bar', () => {
  it('redraws in place only when the percentage moves, and ends full', () => {
    const out: string[] = [];
    const tick = progressBar(400, (s) => out.push(s) > 0);
    for (let i = 1; i <= 400; i++) tick(i);
    expect(out).toHaveLength(101);
    expect(out[0]).toBe('\rReplaying 1/400 [....................] 0%');
    expect(out[50]).toBe('\rReplaying 200/400 [##########..........] 50%');
    expect(out.at(-1)).toBe('\rReplaying 400/400 [####################] 100%');
  });
});
