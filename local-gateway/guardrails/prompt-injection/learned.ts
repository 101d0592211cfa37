import { z } from 'zod';
import { BITS, BLOCK_BITS, scanFeatures, seenBuckets, WINDOW } from './features.js';
import { MOOD_FEATURES, moodFeatures } from './mood.js';

/**
 * The cascade's second stage: a small network over the linear logit and the dense features of
 * mood.ts, run only on windows whose linear logit is in [lo, hi], where the n-grams alone are
 * unsure; its output replaces the logit there. Layers are dense (`w[j][i]` from input i to
 * unit j), tanh between them, the last one a single logit.
 */
export const CascadeSchema = z.object({
  lo: z.number(),
  hi: z.number(),
  /** The linear logit enters divided by this, so it is of the size of the other inputs. */
  zScale: z.number(),
  layers: z.array(z.object({ w: z.array(z.array(z.number())), b: z.array(z.number()) })),
});
export type Cascade = z.infer<typeof CascadeSchema>;

/** A trained linear model over the hashed features of features.ts as weights.json holds it, written by scripts/injection/train.ts. */
export const ModelFileSchema = z.object({
  /** How it was made: the command and what it was trained on. */
  about: z.string().optional(),
  bits: z.number().int(),
  bias: z.number(),
  /** int8 weights times `scale` are the real weights. */
  scale: z.number(),
  /** The int8 weights, one per feature bucket, in base64. */
  weights: z.string(),
  /** Decision thresholds on the window probability, per trust of the text (calibrated at training). */
  thresholds: z.object({ own: z.number(), untrusted: z.number() }),
  /** Also score each block of BLOCK characters alone, besides the windows of two blocks. */
  blockWindows: z.boolean().optional(),
  /** Count a feature once per block, however often it recurs there (features.ts `seen`). */
  oncePerBlock: z.boolean().optional(),
  cascade: CascadeSchema.optional(),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

/** The model in memory: its weights decoded once, and read by every scorer of it without a copy. */
export type LinearModel = Omit<ModelFile, 'about' | 'weights'> & { weights: Int8Array };

export function decodeModel(file: ModelFile): LinearModel {
  const { about: _about, weights, ...rest } = file;
  const raw = Buffer.from(weights, 'base64');
  return { ...rest, weights: new Int8Array(raw.buffer, raw.byteOffset, raw.length) };
}

/** weights.json's text for a model. */
export function encodeModel(model: LinearModel, about: string): string {
  const { weights, ...rest } = model;
  const file: ModelFile = { about, ...rest, weights: Buffer.from(weights.buffer, weights.byteOffset, weights.length).toString('base64') };
  return `${JSON.stringify(file)}\n`;
}

/** The second stage's logit for a window of linear logit `z` and text `text`. */
export function cascadeLogit(c: Cascade, z: number, text: string): number {
  let x = [z / c.zScale, ...moodFeatures(text)];
  c.layers.forEach((layer, k) => {
    x = layer.w.map((row, j) => {
      let s = layer.b[j]!;
      for (let i = 0; i < row.length; i++) s += row[i]! * x[i]!;
      return k < c.layers.length - 1 ? Math.tanh(s) : s;
    });
  });
  return x[0]!;
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
  private readonly cascade: Cascade | undefined;
  /** Each scorer its own scratch: the stamps change on every block scanned. */
  private readonly seen: Int32Array | null;

  constructor(model: LinearModel) {
    if (model.bits !== BITS) throw new Error(`injection model has ${model.bits} feature bits, features.ts hashes to ${BITS}`);
    if (model.weights.length !== 1 << BITS) throw new Error(`injection model has ${model.weights.length} weights, features.ts hashes to ${1 << BITS} buckets`);
    this.w = model.weights;
    this.scale = model.scale;
    this.bias = model.bias;
    this.thresholds = model.thresholds;
    this.single = model.blockWindows === true;
    this.cascade = model.cascade;
    this.seen = model.oncePerBlock === true ? seenBuckets() : null;
    if (this.cascade && this.cascade.layers[0]!.w[0]!.length !== MOOD_FEATURES.length + 1) throw new Error(`injection cascade reads ${this.cascade.layers[0]!.w[0]!.length - 1} features, mood.ts has ${MOOD_FEATURES.length}`);
  }

  /** Probability of each window of the text (the linear logit alone with `linearOnly`, for training the cascade). */
  windows(text: string, linearOnly = false): Window[] {
    const n = text.length;
    const blocks = (n >> BLOCK_BITS) + 1;
    const sum = new Int32Array(blocks);
    const count = new Int32Array(blocks);
    scanFeatures(text, this.w, sum, count, null, this.seen);
    const at = (first: number, last: number): Window => {
      let s = 0;
      let c = 0;
      for (let b = first; b <= last; b++) {
        s += sum[b]!;
        c += count[b]!;
      }
      let z = c === 0 ? -Infinity : this.bias + (s * this.scale) / Math.sqrt(c);
      const start = first * BLOCK;
      const end = Math.min(n, (last + 1) * BLOCK);
      const k = this.cascade;
      if (k && !linearOnly && z >= k.lo && z <= k.hi) z = cascadeLogit(k, z, text.slice(start, end));
      return { start, end, p: sigmoid(z), logit: z };
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
