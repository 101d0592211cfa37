/**
 * The two learners of train.ts: the logistic regression over hashed n-grams (AdaGrad, one
 * example at a time) and the cascade's small network over the linear logit and the mood
 * features (full-batch Adam, tanh hidden units). Both are deterministic for their `rand`.
 */
import { BITS, featureCounts } from '../../local-gateway/guardrails/prompt-injection/features.js';
import type { Cascade, LinearModel } from '../../local-gateway/guardrails/prompt-injection/learned.js';

export interface Example {
  idx: Int32Array;
  val: Float32Array;
  y: number;
}

/** A text's hashed features, scaled by one over the square root of their number, as the scorer does. */
export function vectorize(text: string, y: number, seen: Int32Array | null = null): Example {
  const counts = featureCounts(text, seen);
  let total = 0;
  for (const c of counts.values()) total += c;
  const norm = 1 / Math.sqrt(Math.max(1, total));
  const idx = new Int32Array(counts.size);
  const val = new Float32Array(counts.size);
  let i = 0;
  for (const [b, c] of counts) {
    idx[i] = b;
    val[i++] = c * norm;
  }
  return { idx, val, y };
}

/** Logistic regression by AdaGrad; returns the model with int8 weights (the largest magnitude maps to 127). */
export function fitLinear(train: readonly Example[], epochs: number, rand: () => number, l2: number, log?: (line: string) => void): LinearModel {
  const D = 1 << BITS;
  const w = new Float64Array(D);
  const g2 = new Float64Array(D).fill(1e-8);
  let bias = 0;
  let bg2 = 1e-8;
  const LR = 0.5;
  const order = Array.from(train, (_e, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let loss = 0;
    for (const k of order) {
      const e = train[k]!;
      let z = bias;
      for (let i = 0; i < e.idx.length; i++) z += w[e.idx[i]!]! * e.val[i]!;
      const p = 1 / (1 + Math.exp(-z));
      loss -= e.y ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12);
      const g = p - e.y;
      for (let i = 0; i < e.idx.length; i++) {
        const b = e.idx[i]!;
        const gi = g * e.val[i]! + l2 * w[b]!;
        g2[b]! += gi * gi;
        w[b]! -= (LR * gi) / Math.sqrt(g2[b]!);
      }
      bg2 += g * g;
      bias -= (LR * g) / Math.sqrt(bg2);
    }
    log?.(`epoch ${epoch + 1}: mean log loss ${(loss / order.length).toFixed(4)}`);
  }
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = max / 127;
  const q = Int8Array.from(w, (v) => Math.round(v / scale));
  return { bits: BITS, bias, scale, weights: q, thresholds: { own: 0.5, untrusted: 0.5 } };
}

/** One row of the cascade's data: its inputs (the scaled linear logit first) and its label and weight. */
export interface CascadeRow {
  x: number[];
  y: number;
  weight: number;
}

/**
 * The second stage: `hidden` tanh units (0: a logistic regression on the inputs), trained by
 * mini-batch Adam on weighted log loss with a little L2. The output is a logit.
 */
export function fitCascade(rows: readonly CascadeRow[], hidden: number, rand: () => number, epochs = 40): Cascade['layers'] {
  const d = rows[0]!.x.length;
  const h = hidden;
  // Parameters in one array: [w1 (h × d), b1 (h), w2 (h), b2] with hidden units, else [w (d), b].
  const n = h === 0 ? d + 1 : h * d + h + h + 1;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = (rand() * 2 - 1) / Math.sqrt(h === 0 || i < h * d ? d : h);
  if (h > 0) for (let j = 0; j < h; j++) p[h * d + j] = 0;
  p[n - 1] = 0;
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const g = new Float64Array(n);
  const act = new Float64Array(Math.max(1, h));
  const mean = rows.reduce((a, r) => a + r.weight, 0) / rows.length;
  const order = Array.from(rows, (_r, i) => i);
  const BATCH = 128;
  const L2 = 1e-4;
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let at = 0; at < order.length; at += BATCH) {
      g.fill(0);
      const batch = order.slice(at, at + BATCH);
      for (const k of batch) {
        const { x, y, weight } = rows[k]!;
        let z = p[n - 1]!;
        if (h === 0) for (let i = 0; i < d; i++) z += p[i]! * x[i]!;
        else
          for (let j = 0; j < h; j++) {
            let s = p[h * d + j]!;
            for (let i = 0; i < d; i++) s += p[j * d + i]! * x[i]!;
            act[j] = Math.tanh(s);
            z += p[h * d + h + j]! * act[j]!;
          }
        const delta = ((1 / (1 + Math.exp(-z)) - y) * weight) / mean / batch.length;
        g[n - 1]! += delta;
        if (h === 0) for (let i = 0; i < d; i++) g[i]! += delta * x[i]!;
        else
          for (let j = 0; j < h; j++) {
            g[h * d + h + j]! += delta * act[j]!;
            const dj = delta * p[h * d + h + j]! * (1 - act[j]! * act[j]!);
            g[h * d + j]! += dj;
            for (let i = 0; i < d; i++) g[j * d + i]! += dj * x[i]!;
          }
      }
      t++;
      for (let i = 0; i < n; i++) {
        const gi = g[i]! + L2 * p[i]!;
        m[i] = 0.9 * m[i]! + 0.1 * gi;
        v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
        p[i]! -= (0.01 * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-8);
      }
    }
  }
  const r = (x: number) => Number(x.toFixed(5));
  if (h === 0) return [{ w: [Array.from(p.slice(0, d), r)], b: [r(p[d]!)] }];
  return [
    { w: Array.from({ length: h }, (_x, j) => Array.from(p.slice(j * d, (j + 1) * d), r)), b: Array.from(p.slice(h * d, h * d + h), r) },
    { w: [Array.from(p.slice(h * d + h, h * d + 2 * h), r)], b: [r(p[n - 1]!)] },
  ];
}
