import { accept, type Candidate } from './checks.js';
import type { AssignmentRule, SecretRule, TokenRule } from './rules.js';

/** A secret found in one text: the rule id and its UTF-16 span. */
export interface SecretSpan {
  type: string;
  start: number;
  end: number;
}

export interface ScannerOptions {
  rules: readonly SecretRule[];
  /** True for a value the policy says is never a finding. */
  allowed(value: string): boolean;
  /** Replaces generic_secret's entropy threshold. */
  genericMinEntropy?: number;
}

interface Found extends SecretSpan {
  priority: number;
}

// Key names: identifier characters plus the separators of dotted and dashed names.
const ID_CHAR = /[A-Za-z0-9_.-]/;
const MAX_KEY = 64;
// After a key: its closing quote or bracket, an operator, an optional quote and the value.
const ASSIGN = /["']?\]?[ \t]{0,4}(?::=|=>|=|:)[ \t]{0,4}(?<q>["'`]?)(?:(?:Bearer|Basic|Token|bearer|basic|token)[ \t]+)?(?<v>[^\s"'`]{1,512})/y;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Builds the scanner for one configured rule set. */
export function createScanner(opts: ScannerOptions): (text: string) => SecretSpan[] {
  const tokens = opts.rules.flatMap((r, priority) => (r.kind === 'token' ? [{ rule: r, priority }] : []));
  const assignments = opts.rules.flatMap((r, priority) => (r.kind === 'assignment' ? [{ rule: r, priority }] : []));
  const words = [...new Set(assignments.flatMap((a) => a.rule.keywords))].sort((a, b) => b.length - a.length);
  // One pass over the text finds every key-name keyword, whatever its case.
  const keywordRe = words.length ? new RegExp(words.map(escape).join('|'), 'gi') : null;
  const entropyOf = (r: SecretRule) => (r.id === 'generic_secret' && opts.genericMinEntropy !== undefined ? opts.genericMinEntropy : r.minEntropy);

  return (text) => {
    const found: Found[] = [];
    for (const { rule, priority } of tokens) scanTokens(text, rule, priority, entropyOf(rule), found);
    if (keywordRe) scanAssignments(text, keywordRe, assignments, entropyOf, found);
    return resolve(found.filter((f) => !opts.allowed(text.slice(f.start, f.end))));
  };
}

/** Tries the sticky pattern where a keyword occurs, or up to `back` characters before it. */
function matchAt(rule: TokenRule, text: string, pos: number, floor: number): RegExpExecArray | null {
  for (let at = Math.max(floor, pos - rule.back); at <= pos; at++) {
    rule.pattern.lastIndex = at;
    const m = rule.pattern.exec(text);
    if (m) return m;
  }
  return null;
}

function scanTokens(text: string, rule: TokenRule, priority: number, minEntropy: number | undefined, out: Found[]): void {
  for (const kw of rule.keywords) {
    let floor = 0;
    for (let pos = text.indexOf(kw); pos !== -1; pos = text.indexOf(kw, Math.max(pos + 1, floor))) {
      const m = matchAt(rule, text, pos, floor);
      if (!m) continue;
      const c = tokenCandidate(text, rule, m, kw);
      floor = m.index + m[0].length;
      if (accept(c, rule.checks, minEntropy)) out.push({ type: rule.id, start: c.start, end: c.end, priority });
    }
  }
}

function tokenCandidate(text: string, rule: TokenRule, m: RegExpExecArray, kw: string): Candidate {
  const body = m.groups?.body ?? (m[0].startsWith(kw) ? m[0].slice(kw.length) : m[0]);
  // A pattern with indices (flag d) reports only its `body` group: the password of a URL, not the URL.
  const only = m.indices?.groups?.body;
  if (only) return { text, start: only[0], end: only[1], body, match: m };
  let start = m.index;
  const lead = rule.lead.find((l) => text.startsWith(l, start - l.length));
  if (lead) start -= lead.length;
  return { text, start, end: m.index + m[0].length, body, match: m };
}

/** The key name around a keyword, or null when the keyword sits inside something too long to be a name (a base64 blob). */
function keyAround(text: string, at: number, length: number): { start: number; end: number } | null {
  let start = at;
  while (start > 0 && ID_CHAR.test(text[start - 1]!)) if (at - --start > MAX_KEY) return null;
  let end = at + length;
  while (end < text.length && ID_CHAR.test(text[end]!)) if (++end - at > MAX_KEY) return null;
  return { start, end };
}

function scanAssignments(
  text: string,
  keywordRe: RegExp,
  rules: readonly { rule: AssignmentRule; priority: number }[],
  entropyOf: (r: SecretRule) => number | undefined,
  out: Found[],
): void {
  keywordRe.lastIndex = 0;
  for (let hit = keywordRe.exec(text); hit; hit = keywordRe.exec(text)) {
    const key = keyAround(text, hit.index, hit[0].length);
    if (!key) continue;
    ASSIGN.lastIndex = key.end;
    const m = ASSIGN.exec(text);
    if (!m) continue;
    const quote = m.groups!.q!;
    let value = m.groups!.v!;
    const valueStart = m.index + m[0].length - value.length;
    if (quote && text[valueStart + value.length] !== quote) continue;
    if (!quote) value = value.replace(/[,;]+$/, '');
    const name = text.slice(key.start, key.end);
    const word = hit[0].toLowerCase();
    for (const { rule, priority } of rules) {
      if (!rule.keywords.includes(word) || !rule.key.test(name) || !rule.value.test(value)) continue;
      const c: Candidate = { text, start: valueStart, end: valueStart + value.length, body: value, key: { name, at: hit.index - key.start, length: hit[0].length }, quoted: quote !== '' };
      if (accept(c, rule.checks, entropyOf(rule))) {
        out.push({ type: rule.id, start: c.start, end: c.end, priority });
        break;
      }
    }
  }
}

/** Where two rules found overlapping spans, the more specific rule (earlier in the rules file) keeps it. */
function resolve(found: Found[]): SecretSpan[] {
  found.sort((a, b) => a.priority - b.priority || a.start - b.start);
  const kept: SecretSpan[] = [];
  for (const f of found) {
    if (kept.some((k) => f.start < k.end && k.start < f.end)) continue;
    kept.push({ type: f.type, start: f.start, end: f.end });
  }
  return kept.sort((a, b) => a.start - b.start);
}
