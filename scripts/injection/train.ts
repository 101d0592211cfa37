/**
 * Trains the learned prompt-injection detector: `npm run train:injection [-- --seed N]`.
 *
 * Attacks come from this directory's own grammars (attacks.ts with lexicon.ts, carriers.ts,
 * multilingual.ts, obfuscate.ts, subtle.ts, turns.ts: every category, carried attacks inside
 * real text, documents that turn to their AI reader); benign text from the package files
 * that benign-sources.txt.gz lists with their hashes (sources.ts: the training stops if one
 * is missing or differs; `--write-sources` rewrites the list from the current node_modules),
 * from /usr/share/doc when GATEHOUSE_TRAIN_SYSTEM_DOCS=1, generated hard benign text
 * (hard-benign.ts) and, when GATEHOUSE_AGENT_FIXTURES names a directory, the strings of
 * recorded agent requests.
 * Labelled JSON-lines sets written by people are learned from: every
 * test/fixtures/injection/people/*.jsonl whole, and those GATEHOUSE_INJECTION_EXTRA names (a blind
 * set not yet reported): half learned from, half held out (a path ending in `@all` is learned
 * whole); each learned attack also inside package text (GATEHOUSE_TRAIN_EMBED=0 leaves that
 * out). Benign files are split into train and validation by a hash of their path, so
 * validation text comes from files the model never saw. The model is a logistic regression
 * over the hashed features of local-gateway/guardrails/prompt-injection/features.ts, trained
 * with AdaGrad (fit.ts), optionally with a cascade second stage; its int8 weights and its two thresholds (the developer's own text; untrusted
 * tool output and documents) are written to weights.json. Deterministic for a seed and the
 * same inputs: from a clean clone after `npm ci`, with the same GATEHOUSE_* variables, it
 * writes the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seenBuckets, WINDOW } from '../../local-gateway/guardrails/prompt-injection/features.js';
import { encodeModel, type LinearModel } from '../../local-gateway/guardrails/prompt-injection/learned.js';
import { prng } from '../../bench/lib/code-corpus.js';
import { attack, ATTACK_CATEGORIES, type AttackCategory } from './attacks.js';
import { benignSamples, systemDocFiles, type Sample, type TextFile } from './benign.js';
import { trainCascade } from './cascade.js';
import { fitLinear, vectorize, type Example } from './fit.js';
import { extraFiles, peopleFiles, PEOPLE_DIR, readLabelled, type Labelled } from './labelled.js';
import { repeatedLines } from './repeats.js';
import { BenignSourcesError, readSources, selectSources, SOURCES_FILE, verifySources, writeSources } from './sources.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '18' }, epochs: { type: 'string', default: '4' }, out: { type: 'string' }, 'hold-out': { type: 'string' }, 'write-sources': { type: 'boolean', default: false } },
});
// --hold-out CATEGORY trains without one attack grammar and validates on it alone: how far the model reaches past what it was shown.
const heldOut = values['hold-out'];
if (heldOut !== undefined && !(ATTACK_CATEGORIES as readonly string[]).includes(heldOut)) throw new Error(`--hold-out takes one of ${ATTACK_CATEGORIES.join(', ')}`);
const trainCategories = ATTACK_CATEGORIES.filter((c) => c !== heldOut);
const seed = Number(values.seed);
const rand = prng(seed);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = values.out ?? fileURLToPath(new URL('../../local-gateway/guardrails/prompt-injection/weights.json', import.meta.url));

const inValidation = (source: string) => createHash('sha1').update(source).digest()[0]! < 51; // ~20% of files

// Benign text: exactly the package files the committed list names, checked against their hashes.
const BENIGN_FILES = 12000;
const sourcesFile = join(ROOT, SOURCES_FILE);
if (values['write-sources']) {
  const sources = selectSources(ROOT, BENIGN_FILES);
  writeSources(sourcesFile, sources);
  console.log(`wrote ${SOURCES_FILE}: ${sources.length} files of node_modules; train with \`npm run train:injection\``);
  process.exit(0);
}
const sources = (() => {
  try {
    const listed = readSources(sourcesFile);
    verifySources(ROOT, listed);
    return listed;
  } catch (err) {
    // The message says what to do; a stack trace would bury it.
    if (!(err instanceof BenignSourcesError)) throw err;
    console.error(`train:injection: ${err.message}`);
    process.exit(1);
  }
})();
const files: TextFile[] = sources.map((s) => ({ path: join(ROOT, 'node_modules', s.path), source: `node_modules/${s.path}` }));
// GATEHOUSE_TRAIN_SYSTEM_DOCS=1 adds Debian's /usr/share/doc, which differs from one machine to the next.
if (process.env.GATEHOUSE_TRAIN_SYSTEM_DOCS === '1') files.push(...systemDocFiles(BENIGN_FILES));
const benign = benignSamples(rand, { files, agentFixtures: process.env.GATEHOUSE_AGENT_FIXTURES, perFile: 6, window: WINDOW, hard: 12000 });
const benignTrain = benign.filter((s) => !inValidation(s.source));
const benignVal = benign.filter((s) => inValidation(s.source));
// Unseen package text that repeats a line or a few (repeats.ts), reported apart: the window's
// score grows with the square root of how often its n-grams repeat, so such text is a false
// alarm the package chunks alone do not show. Learning from it as well (6,000 and 20,000
// texts) cut those false alarms by a quarter at most, for 2 to 5 points of long-document recall.
const repeatVal = repeatedLines(prng(seed + 4), benignVal.map((s) => s.text), 1500, WINDOW);

// Attacks, alone and inside benign text the size of a window; carried attacks sit in real text.
function attacks(n: number, r: () => number, host: readonly Sample[], categories: readonly AttackCategory[]): string[] {
  const out: string[] = [];
  const chunk = () => host[Math.floor(r() * host.length)]!.text;
  for (let i = 0; i < n; i++) {
    const a = attack(r, categories[i % categories.length]!, host.length && r() < 0.7 ? chunk().slice(0, WINDOW) : undefined);
    if (r() < 0.25 && host.length) {
      const h = chunk().slice(0, Math.max(0, WINDOW - a.length - 2));
      const cut = Math.floor(r() * h.length);
      out.push(`${h.slice(0, cut)}\n${a}\n${h.slice(cut)}`.slice(0, WINDOW * 2));
    } else out.push(a);
  }
  return out;
}
const attackTrain = attacks(Math.min(benignTrain.length, 48000), rand, benignTrain, trainCategories);
const attackVal = attacks(3000, prng(seed + 1), benignVal, heldOut === undefined ? ATTACK_CATEGORIES : [heldOut as AttackCategory]);

// The repository's evaluation sets were tuned on long ago, so by the project's rule they are
// training data: the first is learned from (each case ten times, they are few and hard), the
// second only sets the bar of zero false alarms on developer prompts.
function fixture(f: string): { text: string; y: number }[] {
  return readFileSync(`${ROOT}${f}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; expect: { guardrail: string }[] })
    .map((c) => ({ text: c.text, y: c.expect.some((e) => e.guardrail === 'prompt_injection') ? 1 : 0 }));
}
const fixtureTrain = fixture('test/fixtures/guardrails/eval/prompt_injection.jsonl');
const fixtureBenign = fixture('test/fixtures/guardrails/heldout/prompt_injection.jsonl').filter((c) => c.y === 0).map((c) => c.text);

// Labelled sets written by people: the committed ones (test/fixtures/injection/people/*.jsonl,
// sets whose held-out figures have been reported) are learned from whole; of those
// GATEHOUSE_INJECTION_EXTRA names (comma-separated JSON-lines paths, read and never copied
// into the repository) half of each, by a hash of the text, is learned from and the other
// half held out and reported per kind at the bars the gateway applies, unless the path ends
// in `@all`. Learned rows count five times, they are few.
const extra = readLabelled([...extraFiles(process.env.GATEHOUSE_INJECTION_EXTRA), ...peopleFiles(join(ROOT, PEOPLE_DIR))]);
const heldOutHalf = (t: string) => createHash('sha1').update(t).digest()[0]! % 2 === 1;
const extraHeldOut = (e: Labelled) => !e.all && heldOutHalf(e.text);
// GATEHOUSE_TRAIN_DEV=1 splits the learned half once more (by another byte of the hash) and
// reports on its second part instead: a development figure that leaves the held-out half unread.
const dev = process.env.GATEHOUSE_TRAIN_DEV === '1';
const devHalf = (t: string) => createHash('sha1').update(t).digest()[1]! % 2 === 1;
const extraTrain = extra.filter((e) => !extraHeldOut(e) && !(dev && devHalf(e.text)));
const extraVal = extra.filter((e) => (dev ? !extraHeldOut(e) && devHalf(e.text) : extraHeldOut(e)));

console.log(`benign: ${benignTrain.length} train chunks, ${benignVal.length} validation chunks; attacks: ${attackTrain.length} train, ${attackVal.length} validation`);

const labelled: { text: string; y: number }[] = [
  ...benignTrain.map((s) => ({ text: s.text, y: 0 })),
  ...attackTrain.map((t) => ({ text: t, y: 1 })),
  ...Array.from({ length: 10 }, () => fixtureTrain).flat(),
  ...Array.from({ length: 5 }, () => extraTrain).flat(),
  // The people-written attacks once more each inside unseen-by-them package text, as an agent meets them.
  ...(process.env.GATEHOUSE_TRAIN_EMBED !== '0'
    ? Array.from({ length: 3 }, () =>
        extraTrain
          .filter((c) => c.y === 1)
          .map((c) => {
            const h = benignTrain[Math.floor(rand() * benignTrain.length)]!.text;
            const cut = h.lastIndexOf('\n', Math.floor(rand() * h.length));
            return { text: `${h.slice(0, Math.max(0, cut))}\n${c.text}\n${h.slice(Math.max(0, cut))}`, y: 1 };
          }),
      ).flat()
    : []),
];
const trainTexts = labelled.map((l) => l.text);
// A feature counts once per block (features.ts), unless GATEHOUSE_TRAIN_ONCE_PER_BLOCK=0 asks for the sums of rounds 1-6.
const oncePerBlock = process.env.GATEHOUSE_TRAIN_ONCE_PER_BLOCK !== '0';
const seen = oncePerBlock ? seenBuckets() : null;
const train: Example[] = labelled.map((l) => vectorize(l.text, l.y, seen));
console.log(`labelled people-written: ${extraTrain.length} train, ${extraVal.length} held out`);
const L2 = Number(process.env.GATEHOUSE_TRAIN_L2 ?? 1e-5);
const epochs = Number(values.epochs);
const linear = fitLinear(train, epochs, rand, L2, console.log);

// GATEHOUSE_TRAIN_CASCADE=1 adds the cascade's second stage (cascade.ts). It is off for the
// committed weights: on the held-out half of the round-3 blind set it lost recall at every
// false-alarm rate measured (bench/README.md, round 4).
const { LearnedScorer } = await import('../../local-gateway/guardrails/prompt-injection/learned.js');
const cascade =
  process.env.GATEHOUSE_TRAIN_CASCADE === '1'
    ? trainCascade({
        train,
        texts: trainTexts,
        human: new Set([...fixtureTrain.map((c) => c.text), ...extraTrain.map((c) => c.text)]),
        epochs,
        l2: L2,
        seed,
        hidden: Number(process.env.GATEHOUSE_TRAIN_CASCADE_HIDDEN ?? 8),
        humanWeight: Number(process.env.GATEHOUSE_TRAIN_HUMAN_WEIGHT ?? 10),
        band: { lo: Number(process.env.GATEHOUSE_TRAIN_BAND_LO ?? -4), hi: Number(process.env.GATEHOUSE_TRAIN_BAND_HI ?? 4) },
        cache: process.env.GATEHOUSE_TRAIN_CACHE,
      })
    : undefined;

// Probability of a text under the quantized model, windowed as at inference.
const model: LinearModel = { ...linear, blockWindows: process.env.GATEHOUSE_TRAIN_BLOCK_WINDOWS === '1', ...(oncePerBlock ? { oncePerBlock } : {}), ...(cascade ? { cascade } : {}) };
const scorer = new LearnedScorer(model);
const score = (t: string) => Math.max(...scorer.windows(t).map((x) => x.p));
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

// Long documents: one attack in 2–6 KB of package text the model never saw, against the same
// length of that text alone (an agent's tool results are long, and every window is a chance of a
// false alarm), scored with and without the single-block windows.
const r2 = prng(seed + 2);
const long = (extra: string) => {
  let t = '';
  while (t.length < 2048 + r2() * 4096) t += `${benignVal[Math.floor(r2() * benignVal.length)]!.text}\n\n`;
  const cut = Math.floor(r2() * t.length);
  return extra ? `${t.slice(0, cut)}\n${extra}\n${t.slice(cut)}` : t;
};
const longAttacks = attackVal.slice(0, 600).map((a) => long(a));
const longBenign = Array.from({ length: 600 }, () => long(''));
const longPlain = longBenign.map(score);
const valBenign = benignVal.map((s) => score(s.text));
const valAttack = attackVal.map(score);
const fixtures = fixtureBenign.map(score);
// The developer's own text: at most 0.5% false alarms on unseen package text, above every benign
// fixture, and never below 0.7: a false alarm on the developer's own words costs most.
const ownFloor = Math.min(0.995, Math.max(quantile(valBenign, 0.995), Math.max(...fixtures) + 0.02, 0.7));
// Untrusted text (tool output, fetched documents): at most 2% false alarms on unseen package text
// and on long documents of it, an even chance at least. Where that bar comes out above the
// developer's, the developer's rises to it: a developer's text is never held to a lower bar than
// a fetched page (a long README the developer pastes is that page).
const untrusted = Math.min(0.995, Math.max(quantile(valBenign, 0.98), quantile(longPlain, 0.98), 0.5));
const own = Math.max(ownFloor, untrusted);
model.thresholds = { own: Number(own.toFixed(4)), untrusted: Number(untrusted.toFixed(4)) };
const rate = (xs: number[], t: number) => (xs.filter((x) => x >= t).length / xs.length).toFixed(4);
for (const single of [false, true]) {
  const sc = new LearnedScorer({ ...model, blockWindows: single });
  const p = (t: string) => Math.max(...sc.windows(t).map((x) => x.p));
  const bar2 = quantile(longBenign.map(p), 0.98);
  console.log(`long documents, ${single ? 'with' : 'without'} block windows: attack recall ${rate(longAttacks.map(p), untrusted)}, benign FPR ${rate(longBenign.map(p), untrusted)} at untrusted; at ${bar2.toFixed(3)} (2% of them): recall ${rate(longAttacks.map(p), bar2)}`);
}
console.log(`thresholds: own ${model.thresholds.own}, untrusted ${model.thresholds.untrusted}`);
console.log(`validation at own: attack recall ${rate(valAttack, own)}, benign FPR ${rate(valBenign, own)}, fixture benign FPR ${rate(fixtures, own)}`);
console.log(`validation at untrusted: attack recall ${rate(valAttack, untrusted)}, benign FPR ${rate(valBenign, untrusted)}`);
for (const [name, xs] of [['hard benign', benignVal.filter((b) => b.source.startsWith('hard/'))], ['package benign', benignVal.filter((b) => !b.source.startsWith('hard/'))]] as const) {
  console.log(`validation ${name} (${xs.length}): FPR ${rate(xs.map((b) => score(b.text)), own)} at own, ${rate(xs.map((b) => score(b.text)), untrusted)} at untrusted`);
}
console.log(`validation repeated lines (${repeatVal.length}): FPR ${rate(repeatVal.map(score), own)} at own, ${rate(repeatVal.map(score), untrusted)} at untrusted`);
// The held-out half of the labelled sets, the classifier alone at the bar of each text's kind (system texts are not scored).
const bar = (kind: string) => (kind === 'tool' ? untrusted : own);
const groups = new Map<string, { n: number; hit: number }>();
for (const e of extraVal.filter((x) => x.kind !== 'system')) {
  const hit = score(e.text) >= bar(e.kind);
  for (const key of [`set ${e.set} ${e.y ? 'attack' : 'benign'} ${e.kind}`, ...(e.y && process.env.GATEHOUSE_TRAIN_BY_CATEGORY ? [`set ${e.set} attack ${e.category}`] : [])]) {
    const g = groups.get(key) ?? { n: 0, hit: 0 };
    g.n++;
    if (hit) g.hit++;
    groups.set(key, g);
  }
}
for (const [k, g] of [...groups].sort()) console.log(`held-out labelled ${k}: ${g.hit}/${g.n}`);

const about =
  `Generated by \`npm run train:injection -- --seed ${seed}\` (scripts/injection/train.ts); do not edit. ` +
  `Trained on ${benignTrain.length} benign chunks (agent fixtures: ${process.env.GATEHOUSE_AGENT_FIXTURES ? 'yes' : 'no'}), ${attackTrain.length} generated attacks and ${extraTrain.length} rows of people-written sets (${PEOPLE_DIR}${process.env.GATEHOUSE_INJECTION_EXTRA ? ' and GATEHOUSE_INJECTION_EXTRA' : ''}).`;
const written = encodeModel(model, about);
writeFileSync(OUT, written);
console.log(`wrote ${OUT} (${(written.length / 1024).toFixed(0)} KiB)`);
