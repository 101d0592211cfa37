/**
 * Judging guardrails against labelled cases (`test/fixtures/guardrails/eval/*.jsonl`): the
 * matching rules the evaluation bench and each detector's precision/recall test share.
 *
 * - A span guardrail (pii, secrets, deny lists): an expected `value` is found when a finding
 *   of the same guardrail overlaps one of its occurrences in the text (TP), else it is
 *   missed (FN); a finding overlapping no expected value of its guardrail is a FP. A found
 *   value reported under another type counts for the guardrail and is listed as a type
 *   mismatch.
 * - A per-text guardrail (prompt_injection, and any guardrail whose expectations carry no
 *   `value`): a case either expects it or not, and it either fired on the text or not.
 * - A case is judged for the guardrails its file is about: those named in the file's
 *   expectations and the one its file is named after (`pii.jsonl`, `pii-negatives.jsonl`),
 *   so an email inside a prompt-injection case is not held against pii. `all` judges every
 *   guardrail on every case.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import type { ScanFinding } from './scanner.js';

export const EvalExpectSchema = z.strictObject({
  /** The guardrail type (or the policy rule id) that must find it. */
  guardrail: z.string().min(1),
  type: z.string().min(1),
  /** The exact substring a finding must cover; absent for guardrails judged per text. */
  value: z.string().min(1).optional(),
});
export type EvalExpect = z.infer<typeof EvalExpectSchema>;

export const EvalCaseSchema = z.strictObject({
  id: z.string().min(1),
  text: z.string(),
  expect: z.array(EvalExpectSchema),
  note: z.string().optional(),
});
export type EvalCase = z.infer<typeof EvalCaseSchema>;

/** Guardrails judged per text even when a file has no positive for them. */
export const PER_TEXT_GUARDRAILS: ReadonlySet<string> = new Set(['prompt_injection']);

/** A file's cases, with the guardrail named by the file's name. */
export interface EvalFile {
  file: string;
  cases: EvalCase[];
}

/** Reads one JSON-lines file of cases; a bad line (or a value missing from its text) fails with file:line. */
export function loadEvalFile(file: string): EvalFile {
  const cases: EvalCase[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${file}:${i + 1}`;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (err) {
        throw new Error(`${where}: not JSON (${(err as Error).message})`);
      }
      const r = EvalCaseSchema.safeParse(raw);
      if (!r.success) throw new Error(`${where}: ${r.error.issues.map((x) => `${x.path.join('.') || 'case'}: ${x.message}`).join('; ')}`);
      for (const e of r.data.expect) {
        if (e.value !== undefined && !r.data.text.includes(e.value)) throw new Error(`${where}: case ${r.data.id}: value ${JSON.stringify(e.value)} is not in its text`);
      }
      cases.push(r.data);
    });
  return { file, cases };
}

export interface Tally {
  tp: number;
  fp: number;
  fn: number;
  /**
   * Found by the right guardrail under another type: a TP in the guardrail's row; in the
   * expected type's row it is counted in `fn` too (that type was not found).
   */
  mismatch: number;
  /** Cases judged for this guardrail that expect nothing of it (per-text false-positive rate). */
  negatives: number;
}

export interface Miss {
  case: string;
  kind: 'missed' | 'false positive' | 'type mismatch';
  guardrail: string;
  type: string;
  /** What was expected or found, shortened. */
  detail: string;
}

export interface EvalReport {
  cases: number;
  byGuardrail: Map<string, Tally>;
  /** Keyed `guardrail/type`. */
  byType: Map<string, Tally>;
  misses: Miss[];
  /** Expectations of guardrails the scanner does not run, by guardrail. */
  notRun: Map<string, number>;
  /** The guardrails judged per text (their false-positive rate is per benign case). */
  perText: Set<string>;
}

export function emptyReport(): EvalReport {
  return { cases: 0, byGuardrail: new Map(), byType: new Map(), misses: [], notRun: new Map(), perText: new Set() };
}

function tally(map: Map<string, Tally>, key: string): Tally {
  let t = map.get(key);
  if (!t) map.set(key, (t = { tp: 0, fp: 0, fn: 0, mismatch: 0, negatives: 0 }));
  return t;
}

/** A finding as the judge sees it: its guardrail under the name the cases use. */
export interface JudgedFinding {
  guardrail: string;
  type: string;
  start: number;
  end: number;
}

/** What a case is judged on: which guardrails, and which of them per text. */
export interface JudgeScope {
  judged: ReadonlySet<string>;
  perText: ReadonlySet<string>;
}

const short = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

function occurrences(text: string, value: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = text.indexOf(value); i !== -1; i = text.indexOf(value, i + 1)) out.push([i, i + value.length]);
  return out;
}

const overlaps = (f: JudgedFinding, spans: readonly [number, number][]) => spans.some(([s, e]) => f.start < e && s < f.end);

function judgePerText(r: EvalReport, c: EvalCase, g: string, exps: EvalExpect[], found: JudgedFinding[]): void {
  const t = tally(r.byGuardrail, g);
  const foundTypes = new Set(found.map((f) => f.type));
  if (exps.length === 0) {
    t.negatives++;
    if (found.length === 0) return;
    t.fp++;
    for (const type of foundTypes) tally(r.byType, `${g}/${type}`).fp++;
    r.misses.push({ case: c.id, kind: 'false positive', guardrail: g, type: [...foundTypes].join(','), detail: short(c.text) });
    return;
  }
  if (found.length === 0) t.fn++;
  else t.tp++;
  if (found.length > 0 && !exps.some((e) => foundTypes.has(e.type))) t.mismatch++;
  for (const type of new Set(exps.map((e) => e.type))) {
    const row = tally(r.byType, `${g}/${type}`);
    if (foundTypes.has(type)) row.tp++;
    else if (found.length > 0) {
      row.mismatch++;
      row.fn++;
      r.misses.push({ case: c.id, kind: 'type mismatch', guardrail: g, type, detail: `found ${[...foundTypes].join(',')}` });
    } else {
      row.fn++;
      r.misses.push({ case: c.id, kind: 'missed', guardrail: g, type, detail: short(c.text) });
    }
  }
}

function judgeSpans(r: EvalReport, c: EvalCase, g: string, exps: EvalExpect[], found: JudgedFinding[]): void {
  const t = tally(r.byGuardrail, g);
  if (exps.length === 0) t.negatives++;
  const all: [number, number][] = [];
  for (const e of exps) {
    const spans = occurrences(c.text, e.value!);
    all.push(...spans);
    const covering = found.filter((f) => overlaps(f, spans));
    const row = tally(r.byType, `${g}/${e.type}`);
    if (covering.length === 0) {
      t.fn++;
      row.fn++;
      r.misses.push({ case: c.id, kind: 'missed', guardrail: g, type: e.type, detail: short(e.value!) });
      continue;
    }
    t.tp++;
    if (covering.some((f) => f.type === e.type)) row.tp++;
    else {
      t.mismatch++;
      row.mismatch++;
      row.fn++;
      r.misses.push({ case: c.id, kind: 'type mismatch', guardrail: g, type: e.type, detail: `${short(e.value!)} found as ${[...new Set(covering.map((f) => f.type))].join(',')}` });
    }
  }
  for (const f of found) {
    if (overlaps(f, all)) continue;
    t.fp++;
    tally(r.byType, `${g}/${f.type}`).fp++;
    r.misses.push({ case: c.id, kind: 'false positive', guardrail: g, type: f.type, detail: short(c.text.slice(f.start, f.end)) });
  }
}

/** Adds one case's outcome to the report. `found` holds the findings on the case's text. */
export function judgeCase(r: EvalReport, c: EvalCase, found: readonly JudgedFinding[], scope: JudgeScope): void {
  r.cases++;
  for (const g of scope.judged) {
    const exps = c.expect.filter((e) => e.guardrail === g);
    const mine = found.filter((f) => f.guardrail === g);
    const perText = scope.perText.has(g) || exps.some((e) => e.value === undefined);
    if (perText) judgePerText(r, c, g, exps, mine);
    else judgeSpans(r, c, g, exps, mine);
  }
}

/** Whether a file is named after a guardrail: `pii.jsonl`, `pii-negatives.jsonl` (not `_`, which guardrail names contain). */
function namedAfter(file: string, guardrail: string): boolean {
  const name = basename(file).replace(/\.jsonl$/, '');
  return name === guardrail || name.startsWith(`${guardrail}-`) || name.startsWith(`${guardrail}.`);
}

/** Anything that scans texts the way the CLI does (the Scanner). */
export interface TextScanner {
  rules: readonly { rule: { id: string; type: string } }[];
  scanTexts(texts: readonly string[]): Promise<ScanFinding[]>;
}

/**
 * Scans every case of the files and judges it. A finding's guardrail is named as the cases
 * name it: the rule id when some case uses that id, else the rule's type (the built-in
 * set's ids are its types).
 */
export async function evaluate(files: readonly EvalFile[], scanner: TextScanner, opts: { all?: boolean } = {}): Promise<EvalReport> {
  const report = emptyReport();
  const used = new Set(files.flatMap((f) => f.cases.flatMap((c) => c.expect.map((e) => e.guardrail))));
  const nameOf = new Map(scanner.rules.map(({ rule }) => [rule.id, used.has(rule.id) ? rule.id : rule.type]));
  const runnable = new Set(nameOf.values());
  const perText = report.perText;
  for (const g of [...PER_TEXT_GUARDRAILS, ...files.flatMap((f) => f.cases.flatMap((c) => c.expect.filter((e) => e.value === undefined).map((e) => e.guardrail)))]) perText.add(g);
  for (const file of files) {
    const about = new Set([...file.cases.flatMap((c) => c.expect.map((e) => e.guardrail)), ...[...runnable].filter((g) => namedAfter(file.file, g))]);
    for (const g of about) {
      if (runnable.has(g)) continue;
      const n = file.cases.reduce((k, c) => k + c.expect.filter((e) => e.guardrail === g).length, 0);
      if (n > 0) report.notRun.set(g, (report.notRun.get(g) ?? 0) + n);
    }
    const judged = new Set(opts.all ? runnable : [...about].filter((g) => runnable.has(g)));
    for (const c of file.cases) {
      const found = (await scanner.scanTexts([c.text])).map((f) => ({ guardrail: nameOf.get(f.guardrail) ?? f.guardrail, type: f.type, start: f.start, end: f.end }));
      judgeCase(report, c, found, { judged, perText });
    }
  }
  return report;
}

/**
 * A guardrail's outcome with the type held to account: a value found under another type is
 * a miss and a wrong finding, not a hit. What the detectors' precision/recall tests assert on.
 */
export function typedTally(r: EvalReport, guardrail: string): Tally {
  const sum: Tally = { tp: 0, fp: 0, fn: 0, mismatch: 0, negatives: r.byGuardrail.get(guardrail)?.negatives ?? 0 };
  for (const [key, t] of r.byType) {
    if (!key.startsWith(`${guardrail}/`)) continue;
    sum.tp += t.tp;
    sum.fn += t.fn;
    sum.mismatch += t.mismatch;
    // A mismatched type is a finding the case did not ask for.
    sum.fp += t.fp + t.mismatch;
  }
  return sum;
}

/** One line a miss, for a failing assertion's message. */
export const missLines = (r: EvalReport) => r.misses.map((m) => `${m.case}: ${m.kind} ${m.guardrail}/${m.type} ${m.detail}`);

export const precision = (t: Tally) => (t.tp + t.fp === 0 ? NaN : t.tp / (t.tp + t.fp));
export const recall = (t: Tally) => (t.tp + t.fn === 0 ? NaN : t.tp / (t.tp + t.fn));
export const f1 = (t: Tally) => {
  const p = precision(t);
  const r = recall(t);
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
};
/** Share of a per-text guardrail's negative cases it fired on. */
export const falsePositiveRate = (t: Tally) => (t.negatives === 0 ? NaN : t.fp / t.negatives);
