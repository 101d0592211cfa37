/**
 * The cascade's second stage for train.ts. It learns where the linear model is unsure, so it
 * must see the logits the linear model gives text it was not trained on: two linear models,
 * each trained on half of the texts (split by a hash of the text, so a repeated row stays on
 * one side), score the other half, and the best window of each text whose logit falls in the
 * band is a row of its data — the scaled logit and the mood features of that window's text.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { prng } from '../../bench/lib/code-corpus.js';
import { LearnedScorer, type Cascade } from '../../local-gateway/guardrails/prompt-injection/learned.js';
import { moodFeatures } from '../../local-gateway/guardrails/prompt-injection/mood.js';
import { fitCascade, fitLinear, type CascadeRow, type Example } from './fit.js';

const Z_SCALE = 4;

export interface CascadeOptions {
  train: readonly Example[];
  /** The text of each example of `train`. */
  texts: readonly string[];
  /** People-written texts: few, and the traffic the cascade is for; each weighs `humanWeight` generated ones. */
  human: ReadonlySet<string>;
  humanWeight: number;
  epochs: number;
  l2: number;
  seed: number;
  /** tanh units; 0 makes the stage a logistic regression. */
  hidden: number;
  band: { lo: number; hi: number };
  /** A file for the out-of-fold windows, computed once per data mix (they take two linear fits). */
  cache: string | undefined;
}

interface OutOfFold {
  z: number;
  text: string;
  y: number;
  human: boolean;
}

function outOfFold(o: CascadeOptions): OutOfFold[] {
  if (o.cache && existsSync(o.cache)) return JSON.parse(readFileSync(o.cache, 'utf8')) as OutOfFold[];
  const side = o.texts.map((t) => createHash('sha1').update(t).digest()[2]! & 1);
  const out: OutOfFold[] = [];
  for (const half of [0, 1]) {
    const scorer = new LearnedScorer(fitLinear(o.train.filter((_e, i) => side[i] === half), o.epochs, prng(o.seed + 10 + half), o.l2));
    const seen = new Set<string>();
    o.texts.forEach((text, i) => {
      if (side[i] === half || seen.has(text)) return;
      seen.add(text);
      const best = scorer.windows(text, true).reduce((a, w) => (w.logit > a.logit ? w : a));
      out.push({ z: best.logit, text: text.slice(best.start, best.end), y: o.train[i]!.y, human: o.human.has(text) });
    });
  }
  if (o.cache) writeFileSync(o.cache, JSON.stringify(out));
  return out;
}

/** The second stage, trained on the out-of-fold windows in the band, both classes weighing the same. */
export function trainCascade(o: CascadeOptions): Cascade {
  const rows: CascadeRow[] = outOfFold(o)
    .filter((w) => w.z >= o.band.lo && w.z <= o.band.hi)
    .map((w) => ({ x: [w.z / Z_SCALE, ...moodFeatures(w.text)], y: w.y, weight: w.human ? o.humanWeight : 1 }));
  const pos = rows.filter((r) => r.y === 1).reduce((a, r) => a + r.weight, 0);
  const all = rows.reduce((a, r) => a + r.weight, 0);
  for (const r of rows) r.weight *= r.y === 1 ? all / (2 * pos) : all / (2 * (all - pos));
  console.log(`cascade: ${rows.length} windows in the band [${o.band.lo}, ${o.band.hi}] (${rows.filter((r) => r.y === 1).length} attacks), ${o.hidden} hidden units`);
  return { ...o.band, zScale: Z_SCALE, layers: fitCascade(rows, o.hidden, prng(o.seed + 20)) };
}
