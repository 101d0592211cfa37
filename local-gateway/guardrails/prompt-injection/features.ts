/**
 * The features of the learned detector, shared by training (scripts/injection/train.ts) and
 * inference, so the two cannot drift: hashed character 3-, 4- and 5-grams and word 1- and
 * 2-grams of the text folded to lower case with whitespace runs as one space. Each position
 * of the text contributes the weights of the n-grams that end there, so the score of any
 * window is a difference of prefix sums: one pass over the text scores every window of it.
 */

/** log2 of the number of hashed feature buckets. */
export const BITS = 18;
const MASK = (1 << BITS) - 1;

const fold = (c: number): number => {
  if (c >= 65 && c <= 90) return c | 32;
  // Every whitespace is a space: layout must not change the features.
  if (c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0) return 32;
  return c;
};
const isWordChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 39 || c >= 0xc0;

/**
 * Calls `emit(position, bucket)` for every feature of `text`, in order of position. The
 * position is the index in `text` where the n-gram ends; hashes are FNV-style, seedable per n.
 */
export function forEachFeature(text: string, emit: (pos: number, bucket: number) => void): void {
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  let c4 = 0;
  let word = 0;
  let wordLen = 0;
  let prevWord = 0;
  let last = 32;
  for (let i = 0; i < text.length; i++) {
    const c = fold(text.charCodeAt(i));
    if (c === 32 && last === 32) continue;
    last = c;
    if (c2 !== 0) {
      const h3 = Math.imul(Math.imul(Math.imul(0x811c9dc5 ^ c2, 0x01000193) ^ c1, 0x01000193) ^ c, 0x01000193);
      emit(i, (h3 ^ (h3 >>> 15)) & MASK);
      if (c3 !== 0) {
        const h4 = Math.imul(h3 ^ c3, 0x2c1b3c6d);
        emit(i, (h4 ^ (h4 >>> 13)) & MASK);
        if (c4 !== 0) {
          const h5 = Math.imul(h4 ^ c4, 0x297a2d39);
          emit(i, (h5 ^ (h5 >>> 16)) & MASK);
        }
      }
    }
    c4 = c3;
    c3 = c2;
    c2 = c1;
    c1 = c;
    if (isWordChar(c)) {
      word = Math.imul(word ^ c, 0x01000193) + 0x9e3779b9;
      wordLen++;
    } else if (wordLen > 0) {
      const w = Math.imul(word, 0x85ebca6b);
      emit(i, ((w ^ (w >>> 13)) >>> 0) & MASK);
      if (prevWord !== 0) {
        const b = Math.imul(prevWord ^ Math.imul(w, 0x27d4eb2f), 0xc2b2ae35);
        emit(i, ((b ^ (b >>> 16)) >>> 0) & MASK);
      }
      prevWord = w | 1;
      word = 0;
      wordLen = 0;
    }
  }
  if (wordLen > 0) {
    const w = Math.imul(word, 0x85ebca6b);
    emit(text.length, ((w ^ (w >>> 13)) >>> 0) & MASK);
  }
}

/** A window is this many characters; long texts are scored window by window, half overlapping. */
export const WINDOW = 512;

/** The feature buckets of a whole text with their counts, for training. */
export function featureCounts(text: string): Map<number, number> {
  const out = new Map<number, number>();
  forEachFeature(text, (_p, b) => out.set(b, (out.get(b) ?? 0) + 1));
  return out;
}
