import { BITS, BLOCK_BITS, scanFeatures, WINDOW } from './features.js';

/** A trained linear model over the hashed features of features.ts, as scripts/injection/train.ts writes it. */
export interface LinearModel {
  bits: number;
  bias: number;
  /** int8 weights times `scale` are the real weights. */
  scale: number;
  weights: string;
  /** Decision thresholds on the window probability, per trust of the text (calibrated at training). */
  thresholds: { own: number; untrusted: number };
  /** Also score each block of BLOCK characters alone, besides the windows of two blocks. */
  blockWindows?: boolean;
}

/** A window of a text and its probability of being an injection. */
export interface Window {
  start: number;
  end: number;
  p: number;
  /** log(p / (1 - p)), which does not saturate as p does. */
  logit: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Windows overlap by half: a window is two blocks of this many characters. */
const BLOCK = 1 << BLOCK_BITS;

/**
 * The learned scorer: a logistic regression over character and word n-grams, applied to
 * windows of WINDOW characters (half overlapping), so an attack buried in 200 KB of code is
 * judged on its own neighbourhood and not diluted by the rest. One pass over the text sums
 * the int8 weights of each block's features in integers; a window is two adjacent blocks
 * (the last one runs to the end of the text).
 */
export class LearnedScorer {
  private readonly w: Int8Array;
  private readonly scale: number;
  private readonly bias: number;
  readonly thresholds: LinearModel['thresholds'];
  private readonly single: boolean;

  constructor(model: LinearModel) {
    if (model.bits !== BITS) throw new Error(`injection model has ${model.bits} feature bits, features.ts hashes to ${BITS}`);
    const raw = Buffer.from(model.weights, 'base64');
    this.w = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    this.scale = model.scale;
    this.bias = model.bias;
    this.thresholds = model.thresholds;
    this.single = model.blockWindows === true;
  }

  /** Probability of each window of the text. */
  windows(text: string): Window[] {
    const n = text.length;
    const blocks = (n >> BLOCK_BITS) + 1;
    const sum = new Int32Array(blocks);
    const count = new Int32Array(blocks);
    scanFeatures(text, this.w, sum, count, null);
    const at = (first: number, last: number): Window => {
      let s = 0;
      let c = 0;
      for (let b = first; b <= last; b++) {
        s += sum[b]!;
        c += count[b]!;
      }
      const z = c === 0 ? -Infinity : this.bias + (s * this.scale) / Math.sqrt(c);
      return { start: first * BLOCK, end: Math.min(n, (last + 1) * BLOCK), p: sigmoid(z), logit: z };
    };
    if (n <= WINDOW) return this.single && n > BLOCK + BLOCK / 2 ? [at(0, blocks - 1), at(0, 0), ...(blocks > 1 ? [at(1, blocks - 1)] : [])] : [at(0, blocks - 1)];
    const out: Window[] = [];
    for (let b = 0; b + 1 < blocks; b++) {
      out.push(at(b, b + 1));
      // A block alone too, so a short attack in a long benign text is judged on half the context.
      if (this.single) out.push(at(b, b));
    }
    if (this.single && n - (blocks - 1) * BLOCK >= BLOCK / 2) out.push(at(blocks - 1, blocks - 1));
    return out;
  }
}
