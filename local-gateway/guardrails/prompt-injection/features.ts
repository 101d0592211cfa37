/**
 * The features of the learned detector, shared by training (scripts/injection/train.ts) and
 * inference, so the two cannot drift: hashed character 3-, 4- and 5-grams and word 1- and
 * 2-grams of the text folded to lower case with whitespace runs as one space, zero-width
 * characters dropped and full-width forms read as ASCII. Each feature
 * belongs to the position where its n-gram ends, so one pass over a text gives the sums of
 * every block of it, and a window's score is the sum of its blocks.
 */

/**
 * Letters that look like ASCII letters to a reader, read as those letters: Cyrillic and Greek
 * look-alikes, circled and parenthesised letters, Braille letters (grade 1). An attacker
 * writes "іgnоrе" with two Cyrillic letters so the n-grams of "ignore" are not there.
 */
const FOLD = new Uint16Array(0x10000);
const fold = (from: string, to: string) => [...from].forEach((ch, k) => (FOLD[ch.charCodeAt(0)] = to.charCodeAt(k)));
fold('аеорсухіјѕԁһԛԝаАВЕКМНОРСТХУ', 'aeopcyxijsdhqwaabekmhopctxy');
fold('οαειινρτυχΟΑΒΕΗΙΚΜΝΡΤΧΥΖκ', 'oaeiivptuxoabehikmnptxyzk');
fold('⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵⠀', 'abcdefghijklmnopqrstuvwxyz ');
for (let k = 0; k < 26; k++) {
  FOLD[0x24d0 + k] = 97 + k; // ⓐ
  FOLD[0x24b6 + k] = 97 + k; // Ⓐ
  FOLD[0x249c + k] = 97 + k; // ⒜
}

/**
 * The low half of a surrogate pair after `high`: mathematical alphanumerics (𝐢𝐠𝐧𝐨𝐫𝐞, U+1D400–)
 * and regional indicators (🇮🇬🇳, U+1F1E6–) read as their letter or digit; anything else as
 * itself, which no ASCII n-gram has.
 */
function foldAstral(high: number, low: number): number {
  const k = low - 0xdc00;
  if (high === 0xd835) {
    if (k < 0x2a4) return 97 + ((k % 52) % 26);
    if (k >= 0x3ce) return 48 + ((k - 0x3ce) % 10);
  } else if (high === 0xd83c && k >= 0x1e6 && k < 0x200) return 97 + k - 0x1e6;
  return low;
}

/**
 * A non-ASCII character as the features read it, or -1 to skip it: out of the hot loop, which
 * code and English text rarely leave. Every whitespace is a space; zero-width characters split
 * words for a reader's eye only; full-width forms and look-alikes are their ASCII letters.
 */
function wide(text: string, i: number, c: number): number {
  if (c === 0xa0 || c === 0x3000) return 32;
  if ((c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff) return -1;
  if (c >= 0xff01 && c <= 0xff5e) {
    const a = c - 0xfee0;
    return a >= 65 && a <= 90 ? a | 32 : a;
  }
  if (c < 0xd800 || c > 0xdfff) return FOLD[c] || c;
  // A surrogate pair's high half is read with its low half: the pair is one letter or none.
  if (c === 0xd835 || c === 0xd83c) return -1;
  return foldAstral(text.charCodeAt(i - 1), c);
}

/** log2 of the number of hashed feature buckets. */
export const BITS = 18;
const MASK = (1 << BITS) - 1;

/** Features are summed per block of 2^BLOCK_BITS characters; a window is two blocks. */
export const BLOCK_BITS = 8;

/**
 * The one pass over a text: adds the int8 weight of every feature to the sum of the block
 * where its n-gram ends (`sum`, `count`: at least `(text.length >> BLOCK_BITS) + 1` long,
 * zeroed) and, when `buckets` is given (at least 5 × length + 8 long), records each
 * feature's bucket there. Returns the number of features. A tight loop with no call per
 * feature but `fresh` (small enough for V8 to inline), because the learned scorer runs it on every byte of an agent's context; hashes
 * are FNV-style, with a different multiplier per n. With `seen` (`seenBuckets()`), a feature
 * counts once per block however often it recurs there: a line repeated forty times is then
 * scored as the line, where summed forty times its n-grams decided the block alone.
 */
export function scanFeatures(text: string, weights: Int8Array, sum: Int32Array, count: Int32Array, buckets: Int32Array | null, seen: Int32Array | null = null): number {
  let total = 0;
  let stamp = seen === null ? 0 : nextStamp(seen);
  let s = 0;
  let k = 0;
  let block = 0;
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  let c4 = 0;
  let word = 0;
  let wordLen = 0;
  let prevWord = 0;
  let last = 32;
  for (let i = 0; i < text.length; i++) {
    if (i >> BLOCK_BITS !== block) {
      sum[block] = s;
      count[block] = k;
      total += k;
      s = 0;
      k = 0;
      block = i >> BLOCK_BITS;
      if (seen !== null) stamp = nextStamp(seen);
    }
    let c = text.charCodeAt(i);
    if (c < 128) {
      if (c >= 65 && c <= 90) c |= 32;
      // Every whitespace is a space: layout must not change the features.
      else if (c === 9 || c === 10 || c === 13 || c === 12 || c === 11) c = 32;
    } else {
      c = wide(text, i, c);
      if (c < 0) continue;
    }
    if (c === 32 && last === 32) continue;
    last = c;
    if (c2 !== 0) {
      const h3 = Math.imul(Math.imul(Math.imul(0x811c9dc5 ^ c2, 0x01000193) ^ c1, 0x01000193) ^ c, 0x01000193);
      const f3 = (h3 ^ (h3 >>> 15)) & MASK;
      if (seen === null || fresh(seen, stamp, f3)) {
        s += weights[f3]!;
        if (buckets !== null) buckets[total + k] = f3;
        k++;
      }
      if (c3 !== 0) {
        const h4 = Math.imul(h3 ^ c3, 0x2c1b3c6d);
        const f4 = (h4 ^ (h4 >>> 13)) & MASK;
        if (seen === null || fresh(seen, stamp, f4)) {
          s += weights[f4]!;
          if (buckets !== null) buckets[total + k] = f4;
          k++;
        }
        if (c4 !== 0) {
          const h5 = Math.imul(h4 ^ c4, 0x297a2d39);
          const f5 = (h5 ^ (h5 >>> 16)) & MASK;
          if (seen === null || fresh(seen, stamp, f5)) {
            s += weights[f5]!;
            if (buckets !== null) buckets[total + k] = f5;
            k++;
          }
        }
      }
    }
    c4 = c3;
    c3 = c2;
    c2 = c1;
    c1 = c;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 39 || c >= 0xc0) {
      word = Math.imul(word ^ c, 0x01000193) + 0x9e3779b9;
      wordLen++;
    } else if (wordLen > 0) {
      const w = Math.imul(word, 0x85ebca6b);
      const f1 = ((w ^ (w >>> 13)) >>> 0) & MASK;
      if (seen === null || fresh(seen, stamp, f1)) {
        s += weights[f1]!;
        if (buckets !== null) buckets[total + k] = f1;
        k++;
      }
      if (prevWord !== 0) {
        const b = Math.imul(prevWord ^ Math.imul(w, 0x27d4eb2f), 0xc2b2ae35);
        const f2 = ((b ^ (b >>> 16)) >>> 0) & MASK;
        if (seen === null || fresh(seen, stamp, f2)) {
          s += weights[f2]!;
          if (buckets !== null) buckets[total + k] = f2;
          k++;
        }
      }
      prevWord = w | 1;
      word = 0;
      wordLen = 0;
    }
  }
  if (wordLen > 0) {
    // The last word ends at text.length, which may open a block of its own.
    if (text.length >> BLOCK_BITS !== block) {
      sum[block] = s;
      count[block] = k;
      total += k;
      s = 0;
      k = 0;
      block = text.length >> BLOCK_BITS;
      if (seen !== null) stamp = nextStamp(seen);
    }
    const w = Math.imul(word, 0x85ebca6b);
    const f1 = ((w ^ (w >>> 13)) >>> 0) & MASK;
    if (seen === null || fresh(seen, stamp, f1)) {
      s += weights[f1]!;
      if (buckets !== null) buckets[total + k] = f1;
      k++;
    }
  }
  sum[block] = s;
  count[block] = k;
  return total + k;
}

/**
 * The scratch of `scanFeatures`' once-per-block counting: a small open-addressing set of the
 * block's buckets, emptied by a new stamp per block instead of cleared. A block has at most
 * about 1,300 features, so 4,096 slots stay under a third full; 32 KB stay in the cache, where
 * a stamp per bucket (1 MB) cost a cache miss per feature and the scan ran at a quarter of
 * its speed. The set still costs about a third of the scan.
 */
const SLOTS = 4096;
export function seenBuckets(): Int32Array {
  return new Int32Array(2 * SLOTS + 1);
}

/** Whether bucket `f` is new in the block of `stamp`, and if so now seen; `f` is a hash already, so its low bits pick the slot. */
function fresh(seen: Int32Array, stamp: number, f: number): boolean {
  let i = f & (SLOTS - 1);
  while (seen[SLOTS + i] === stamp) {
    if (seen[i] === f) return false;
    i = (i + 1) & (SLOTS - 1);
  }
  seen[SLOTS + i] = stamp;
  seen[i] = f;
  return true;
}

/** A new stamp for a block; after 2^31 blocks the stamps start over from a cleared set. */
function nextStamp(seen: Int32Array): number {
  if (seen[2 * SLOTS] === 0x7fffffff) seen.fill(0);
  return ++seen[2 * SLOTS]!;
}

/** A window is this many characters; long texts are scored window by window, half overlapping. */
export const WINDOW = 2 << BLOCK_BITS;

let zero: Int8Array | undefined;

/** The feature buckets of a whole text with their counts, for training (once per block with `seen`). */
export function featureCounts(text: string, seen: Int32Array | null = null): Map<number, number> {
  const blocks = (text.length >> BLOCK_BITS) + 1;
  const buckets = new Int32Array(5 * text.length + 8);
  zero ??= new Int8Array(1 << BITS);
  const n = scanFeatures(text, zero, new Int32Array(blocks), new Int32Array(blocks), buckets, seen);
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) out.set(buckets[i]!, (out.get(buckets[i]!) ?? 0) + 1);
  return out;
}
