/**
 * Per-device sequence tracking. A device numbers its records 1, 2, 3… without holes; the
 * central gateway keeps, per device, the highest seq up to which everything arrived (or was
 * declared dropped), the highest seq seen, and the holes in between. A batch only ever
 * touches the holes and what lies past the highest seq, so ingest never rescans old records.
 */

export interface SeqRange {
  from_seq: number;
  to_seq: number;
}

export interface SeqState {
  /** Every seq in 1..contiguous arrived or was reported dropped. */
  contiguous: number;
  /** Highest seq received or reported dropped; 0 before the first. */
  max: number;
  /** Seq ranges in (contiguous, max) never received and not reported dropped, ascending. */
  gaps: SeqRange[];
}

export const EMPTY_SEQ_STATE: SeqState = { contiguous: 0, max: 0, gaps: [] };

/** Merges ranges into ascending, non-overlapping, non-adjacent ones. */
export function mergeRanges(ranges: readonly SeqRange[]): SeqRange[] {
  const sorted = ranges.filter((r) => r.to_seq >= r.from_seq).sort((a, b) => a.from_seq - b.from_seq);
  const out: SeqRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.from_seq <= last.to_seq + 1) last.to_seq = Math.max(last.to_seq, r.to_seq);
    else out.push({ ...r });
  }
  return out;
}

/** Seqs as ranges: [1,2,3,7] → 1–3, 7–7. */
export function rangesOf(seqs: readonly number[]): SeqRange[] {
  return mergeRanges(seqs.map((s) => ({ from_seq: s, to_seq: s })));
}

/** `holes` minus `covered`; both ascending and merged. */
function subtract(holes: readonly SeqRange[], covered: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (const h of holes) {
    let from = h.from_seq;
    for (const c of covered) {
      if (c.to_seq < from || c.from_seq > h.to_seq) continue;
      if (c.from_seq > from) out.push({ from_seq: from, to_seq: c.from_seq - 1 });
      from = Math.max(from, c.to_seq + 1);
      if (from > h.to_seq) break;
    }
    if (from <= h.to_seq) out.push({ from_seq: from, to_seq: h.to_seq });
  }
  return out;
}

/** The state after a batch that covered `covered` (its records' seqs and its dropped ranges). */
export function advanceSeq(state: SeqState, covered: readonly SeqRange[]): SeqState {
  const cov = mergeRanges(covered);
  const top = Math.max(state.max, ...cov.map((c) => c.to_seq));
  const open = state.max < top ? [...state.gaps, { from_seq: state.max + 1, to_seq: top }] : state.gaps;
  const gaps = subtract(mergeRanges(open), cov);
  return { contiguous: gaps.length > 0 ? gaps[0]!.from_seq - 1 : top, max: top, gaps };
}
