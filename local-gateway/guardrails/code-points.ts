/**
 * The engine reports offsets in UTF-16 code units (JavaScript string indices); the scan CLI
 * prints Unicode code points, what Python's `text[start:end]` and most tools call
 * characters. They differ only after a character outside the BMP (emoji, some CJK).
 */

// Any surrogate half: a text without one has identical offsets in both units.
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * A function from UTF-16 offsets in `text` to code point offsets. An offset that falls
 * between the halves of a pair counts that character as passed.
 */
export function codePointMapper(text: string): (offset: number) => number {
  if (!SURROGATE.test(text)) return (offset) => offset;
  // Index of the low half of every well-formed pair, ascending: each one is a code unit that is no character.
  const lows: number[] = [];
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) continue;
    const prev = text.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) lows.push(i);
  }
  return (offset) => offset - lowsBefore(lows, offset);
}

/** How many entries of the ascending list are below `offset` (binary search). */
function lowsBefore(lows: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lows[mid]! < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
