import { describe, expect, it } from 'vitest';
import { advanceSeq, EMPTY_SEQ_STATE, rangesOf } from './seq.js';

describe('per-device seq tracking', () => {
  it('advances over a gap-free stream', () => {
    const s = advanceSeq(advanceSeq(EMPTY_SEQ_STATE, rangesOf([1, 2, 3])), rangesOf([4, 5]));
    expect(s).toEqual({ contiguous: 5, max: 5, gaps: [] });
  });

  it('finds the holes, and fills them when the missing seqs arrive later', () => {
    const s = advanceSeq(EMPTY_SEQ_STATE, rangesOf([1, 2, 5, 9]));
    expect(s.gaps).toEqual([{ from_seq: 3, to_seq: 4 }, { from_seq: 6, to_seq: 8 }]);
    expect(s.contiguous).toBe(2);
    const later = advanceSeq(s, rangesOf([3, 4, 7]));
    expect(later).toEqual({ contiguous: 6 - 1, max: 9, gaps: [{ from_seq: 6, to_seq: 6 }, { from_seq: 8, to_seq: 8 }] });
  });

  it('does not count dropped ranges as gaps', () => {
    const s = advanceSeq(EMPTY_SEQ_STATE, [...rangesOf([1, 2, 10]), { from_seq: 3, to_seq: 9 }]);
    expect(s).toEqual({ contiguous: 10, max: 10, gaps: [] });
  });

  it('ignores seqs it already had (a duplicate batch)', () => {
    const s = advanceSeq(EMPTY_SEQ_STATE, rangesOf([1, 2, 4]));
    expect(advanceSeq(s, rangesOf([1, 2, 4]))).toEqual(s);
  });
});
