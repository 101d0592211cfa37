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
const MAX_KEY = 64;
// After a key: its closing quote or bracket, an operator (or .NET config's `key="ApiKey" value=`), an optional quote and the value.
const ASSIGN = /["']?\]?[ \t]{0,4}(?::=|=>|=|:|value=)[ \t]{0,4}(?<q>["'`]?)(?:(?:Bearer|Basic|Token|bearer|basic|token)[ \t]+)?(?<v>[^\s"'`]{1,4096})/y;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

type Trie = Map<string, Trie>;

/**
 * The keywords as one regex factored by common prefix (`g(?:h(?:p_|o_)|l(?:pat-|dt-))`): the
 * engine then rejects a position on its first character instead of trying every keyword. At
 * equal prefixes the longer keyword comes first.
 */
function alternation(keywords: readonly string[]): string {
  const root: Trie = new Map();
  for (const k of keywords) {
    let node = root;
    for (const ch of k) node = node.get(ch) ?? node.set(ch, new Map()).get(ch)!;
    node.set('', new Map());
  }
  const emit = (node: Trie): string => {
    const alts = [...node].filter(([ch]) => ch !== '').map(([ch, next]) => escape(ch) + emit(next));
    if (alts.length === 0) return '';
    return `(?:${alts.join('|')})${node.has('') ? '?' : ''}`;
  };
  return emit(root);
}

interface Anchor {
  keyword: string;
  token?: { rule: TokenRule; priority: number };
}

/** The one regex that finds every keyword, whatever its case. */
export function anchorPattern(keywords: readonly string[]): RegExp {
  return new RegExp(alternation(keywords), 'gi');
}

/** For the linear-time proof (with `anchorPattern`). */
export const SCAN_PATTERNS: readonly RegExp[] = [ASSIGN];

/**
 * Builds the scanner for one configured rule set. One case-insensitive pass over the text
 * finds every anchor of every rule (token prefixes and key-name words alike); a per-keyword
 * `indexOf` loop would read the text once per keyword (about 70 of them).
 */
export function createScanner(opts: ScannerOptions): (text: string) => SecretSpan[] {
  const assignments = opts.rules.flatMap((r, priority) => (r.kind === 'assignment' ? [{ rule: r, priority }] : []));
  const words = new Set(assignments.flatMap((a) => a.rule.keywords));
  // Anchors by lower-cased keyword: a hit may be a key-name word, a token prefix, or both.
  const anchors = new Map<string, Anchor[]>();
  const addAnchor = (keyword: string, a: Anchor) => {
    const k = keyword.toLowerCase();
    anchors.set(k, [...(anchors.get(k) ?? []), a]);
  };
  opts.rules.forEach((rule, priority) => {
    if (rule.kind === 'token') for (const keyword of rule.keywords) addAnchor(keyword, { keyword, token: { rule, priority } });
  });
  const all = [...new Set([...anchors.keys(), ...words])];
  const anchorRe = all.length ? anchorPattern(all) : null;
  // The regex reports the longest keyword at a position; shorter ones it starts with (`sk-` in `sk-ant-`) are anchors there too.
  const startsOf = new Map(all.map((k) => [k, all.filter((o) => k.startsWith(o))]));
  const entropyOf = (r: SecretRule) => (r.id === 'generic_secret' && opts.genericMinEntropy !== undefined ? opts.genericMinEntropy : r.minEntropy);

  return (text) => {
    if (!anchorRe) return [];
    const found: Found[] = [];
    const floors = new Map<TokenRule, number>();
    anchorRe.lastIndex = 0;
    for (let hit = anchorRe.exec(text); hit; hit = anchorRe.exec(text)) {
      const at = hit.index;
      for (const k of startsOf.get(hit[0].toLowerCase()) ?? []) {
        if (words.has(k)) scanAssignment(text, at, k.length, assignments, entropyOf, found);
        for (const a of anchors.get(k) ?? []) {
          if (!a.token || !text.startsWith(a.keyword, at)) continue;
          const { rule, priority } = a.token;
          const floor = floors.get(rule) ?? 0;
          if (at < floor) continue;
          const end = scanToken(text, at, a.keyword, rule, priority, entropyOf(rule), floor, found);
          if (end > floor) floors.set(rule, end);
        }
      }
      anchorRe.lastIndex = at + 1;
    }
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

/** Tries one token rule at one anchor; returns where its match ended (0 when none), so the rule does not rescan its own match. */
function scanToken(text: string, pos: number, kw: string, rule: TokenRule, priority: number, minEntropy: number | undefined, floor: number, out: Found[]): number {
  const m = matchAt(rule, text, pos, floor);
  if (!m) return 0;
  const c = tokenCandidate(text, rule, m, kw);
  if (accept(c, rule.checks, minEntropy)) out.push({ type: rule.id, start: c.start, end: c.end, priority });
  return m.index + m[0].length;
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

const isIdChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;

/** The key name around a keyword, or null when the keyword sits inside something too long to be a name (a base64 blob). */
function keyAround(text: string, at: number, length: number): { start: number; end: number } | null {
  let start = at;
  while (start > 0 && isIdChar(text.charCodeAt(start - 1))) if (at - --start > MAX_KEY) return null;
  let end = at + length;
  while (end < text.length && isIdChar(text.charCodeAt(end))) if (++end - at > MAX_KEY) return null;
  return { start, end };
}

function scanAssignment(
  text: string,
  at: number,
  length: number,
  rules: readonly { rule: AssignmentRule; priority: number }[],
  entropyOf: (r: SecretRule) => number | undefined,
  out: Found[],
): void {
  const key = keyAround(text, at, length);
  if (!key) return;
  ASSIGN.lastIndex = key.end;
  const m = ASSIGN.exec(text);
  if (!m) return;
  const quote = m.groups!.q!;
  let value = m.groups!.v!;
  const valueStart = m.index + m[0].length - value.length;
  if (quote && text[valueStart + value.length] !== quote) return;
  // Unquoted, a trailing comma or semicolon ends the statement, not the value.
  if (!quote) {
    let end = value.length;
    while (end > 0 && (value[end - 1] === ',' || value[end - 1] === ';')) end--;
    value = value.slice(0, end);
  }
  const name = text.slice(key.start, key.end);
  const word = text.slice(at, at + length).toLowerCase();
  for (const { rule, priority } of rules) {
    if (!rule.keywords.includes(word) || !rule.key.test(name) || !rule.value.test(value)) continue;
    const c: Candidate = { text, start: valueStart, end: valueStart + value.length, body: value, key: { name, at: at - key.start, length }, quoted: quote !== '' };
    if (accept(c, rule.checks, entropyOf(rule))) {
      out.push({ type: rule.id, start: c.start, end: c.end, priority });
      return;
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
