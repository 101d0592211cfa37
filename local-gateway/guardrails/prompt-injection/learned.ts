import { BITS, forEachFeature, WINDOW } from './features.js';

/** A trained linear model over the hashed features of features.ts, as scripts/injection/train.ts writes it. */
export interface LinearModel {
  bits: number;
  bias: number;
  /** int8 weights times `scale` are the real weights. */
  scale: number;
  weights: string;
  /** Decision thresholds on the window probability, per trust of the text (calibrated at training). */
  thresholds: { own: number; untrusted: number };
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

/**
 * The learned scorer: a logistic regression over character and word n-grams, applied to
 * windows of WINDOW characters (half overlapping), so an attack buried in 200 KB of code is
 * judged on its own neighbourhood and not diluted by the rest. One pass over the text gives
 * every position's weight; a window's score is a difference of prefix sums.
 */
export class LearnedScorer {
  private readonly w: Float32Array;
  private readonly bias: number;
  readonly thresholds: LinearModel['thresholds'];

  constructor(model: LinearModel) {
    if (model.bits !== BITS) throw new Error(`injection model has ${model.bits} feature bits, features.ts hashes to ${BITS}`);
    const raw = Buffer.from(model.weights, 'base64');
    const q = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    this.w = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) this.w[i] = q[i]! * model.scale;
    this.bias = model.bias;
    this.thresholds = model.thresholds;
  }

  /** Probability of each window of the text. */
  windows(text: string): Window[] {
    const n = text.length;
    const sum = new Float64Array(n + 2);
    const count = new Uint32Array(n + 2);
    const w = this.w;
    forEachFeature(text, (pos, bucket) => {
      sum[pos + 1]! += w[bucket]!;
      count[pos + 1]!++;
    });
    for (let i = 1; i <= n + 1; i++) {
      sum[i]! += sum[i - 1]!;
      count[i]! += count[i - 1]!;
    }
    const at = (a: number, b: number): Window => {
      const c = count[b + 1]! - count[a]!;
      const s = sum[b + 1]! - sum[a]!;
      const z = c === 0 ? -Infinity : this.bias + s / Math.sqrt(c);
      return { start: a, end: b, p: sigmoid(z), logit: z };
    };
    if (n <= WINDOW) return [at(0, n)];
    const out: Window[] = [];
    const step = WINDOW / 2;
    for (let a = 0; a < n; a += step) {
      const b = Math.min(n, a + WINDOW);
      out.push(at(b - a < WINDOW ? Math.max(0, b - WINDOW) : a, b));
      if (b === n) break;
    }
    return out;
  }
}
