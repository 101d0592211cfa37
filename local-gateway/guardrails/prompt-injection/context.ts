import type { TextKind } from '../../contracts/texts.js';

/**
 * Context features that move a phrase's score: the same words are an attack in a fetched web
 * page and harmless in a unit test of an injection filter. Each feature looks at a small
 * window around the match, so scoring costs nothing on texts without candidates.
 */

// A line that is code, a diff, a stack frame or a log record rather than prose. (A quote
// closing prose after a colon, "prefix it with 'Bot:'.", is no assignment.)
const CODE_LINE =
  /^\s*(?:\/\/|\/\*|\*\s|--\s|[+-](?=\s|[a-z_$]{1,20}\s*[=(.])|>>>|\$\s|#include|import\s|from\s+\S+\s+import|def\s|function\b|const\s|let\s|var\s|return\b|if\s*\(|assert|expect\(|it\(|test\(|describe\(|print\(|console\.|at\s+\S+\s+\()|[;{(,]\s*$|=>|===|\w\(\s*["'`]|[=:]\s*["'`](?=[^\s.,;)]|$)|\b(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE)\b|^\s*\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d/;
// A line of JSON data (`"key": "value`): tool output is often JSON, and data is not code.
const DATA_LINE = /^[\s{[]*"[^"\n]{1,40}"\s*:\s*"/;
const JSON_RECORD = /^[\s{[]*"[^"\n]{1,40}"\s*:/;
// Words of a text that talks about prompt injection rather than doing it (a host named attacker.example is not talk).
const META = [
  /prompt[\s-]?injection|jailbreak(?:s|ing)?\s+(?:attacks?|attempts?|prompts?|techniques?|detection)|(?<![./@-])\b(?:attackers?|malicious)\b(?![./@-]\w)|\badversari|\bred[\s-]?team|\bowasp\b/i,
  /\bclassifier|\bdetect(?:or|ion|s|ed|ing)?\b|\bguardrails?\b|\bunit\s+tests?\b|\btest\s+cases?\b|\bexamples?\s+of\b|\bpayloads?\b/i,
  /\bmitigat|\bsanitiz|\bblocklist|\bdenylist|\bheuristic|inyecci[óo]n\s+de\s+prompt|injection\s+de\s+prompt|prompt-?injektion|提示(?:词)?注入|プロンプトインジェクション|инъекци/i,
];
const isMeta = (s: string) => META.some((re) => re.test(s));
// The phrase is mentioned, not used: "phrases like …", "if the user asks you to …".
const MENTION =
  /(?:\blike|such\s+as|e\.g\.|for\s+example|\bphrases?|\bsays?|\bsaid|\bstrings?|\bwords?|\bcontain(?:s|ing)?|\bpatterns?|\bincluding|\b(?:wrote|writes|typed|sent|posted):?|\b(?:asks?|asked|tells?|told|tries|try|trying|attempts?|wants?)\s+(?:you\s+|me\s+|the\s+(?:model|assistant|ai)\s+)?to)\s*["'`“‘«]?$/i;
// A rule forbidding the act (a system prompt's "never reveal your instructions").
const NEGATED = /\b(?:not|never|don't|doesn't|didn't|won't|shouldn't|mustn't|isn't|cannot|can't|refuse\s+to|no\s+one\s+can)\s+(?:\w+\s+){0,2}$/i;
// The developer taking back their own words: "the previous instructions I gave".
const OWN_WORDS = /^\s*(?:(?:that\s+)?(?:I|we)\s+(?:gave|sent|wrote|provided|mentioned|made|added|posted)|(?:from|by)\s+me)\b/i;
// The object is a property of the prompt, not its text: "print the system prompt length".
// Or the prompt belongs to the developer's own software: "print the system prompt our app sends".
const TECHNICAL_OBJECT =
  /^\s*(?:length|size|tokens?|count|file|path|template|variable|field|setting|option|hash|id|to\s+(?:the\s+)?(?:log|logs|console|stdout|stderr|file|debug)|(?:that\s+|which\s+)?(?:our|my|this|the)\s+(?:app|application|code|service|server|bot|agent|backend|frontend|script|function|client|tool|sdk|library|program|pipeline|worker)\b)/i;
const ADDRESSED = /\b(?:you|your|yourself|assistant|ai|llm|chatbot|language\s+model|chatgpt|claude|gpt|copilot|gemini|du|dich|dir|tu|toi|vous|usted|voc[êe]|ia|ki)\b|你|您|あなた|人工智能|ты|вы|ИИ/i;
const QUOTES = '"\'`“‘«「『„';

/** Where fenced code blocks (``` or ~~~) are, found once per text and only when it has one. */
export function fenceRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  if (!text.includes('```') && !text.includes('~~~')) return out;
  const re = /^[ \t]{0,3}(?:```|~~~)/gm;
  let open = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (open < 0) open = m.index;
    else {
      out.push([open, m.index]);
      open = -1;
    }
  }
  // An unclosed fence runs to the end, as markdown renders it.
  if (open >= 0) out.push([open, text.length]);
  return out;
}

export const inRanges = (ranges: readonly [number, number][], pos: number) => ranges.some(([a, b]) => pos >= a && pos < b);

function lineAt(text: string, start: number, end: number): { line: string; col: number } {
  const a = text.lastIndexOf('\n', start - 1) + 1;
  let b = text.indexOf('\n', end);
  if (b < 0) b = text.length;
  // Minified code has no lines to speak of: look at a bounded stretch.
  const from = Math.max(a, start - 400);
  return { line: text.slice(from, Math.min(b, end + 400)), col: start - from };
}

export interface ScoreInput {
  text: string;
  start: number;
  end: number;
  weight: number;
  kind: TextKind | undefined;
  fences: readonly [number, number][];
}

/** A phrase match's score in its context, 0–1. */
export function phraseScore({ text, start, end, weight, kind, fences }: ScoreInput): number {
  let s = weight;
  const { line, col } = lineAt(text, start, end);
  const data = DATA_LINE.test(line);
  // Whether the phrase is shown rather than said: fenced, in code, quoted or introduced as a mention.
  let shown = true;
  if (inRanges(fences, start)) s -= 0.45;
  else if (!data && CODE_LINE.test(line)) s -= 0.4;
  else shown = false;
  const before = line.slice(Math.max(0, col - 40), col);
  const opener = before.trimEnd().slice(-1);
  // A phrase at the start of a line has no opening quote (and '' is in every string).
  if (!data && opener !== '' && QUOTES.includes(opener) && /["'`”’»」』]/.test(text.slice(end, end + 200))) {
    s -= 0.25;
    shown = true;
  }
  // Inside a quotation opened earlier on the line: a later phrase of a quoted example.
  if (!data && ((line.slice(Math.max(0, col - 200), col).match(/["“]/g)?.length ?? 0) % 2 === 1)) shown = true;
  const lead = before.trimEnd();
  if (MENTION.test(lead)) {
    s -= 0.3;
    shown = true;
  }
  if (NEGATED.test(before)) s -= 0.45;
  const after = text.slice(end, end + 40);
  if (OWN_WORDS.test(after)) s -= 0.4;
  if (TECHNICAL_OBJECT.test(after)) s -= 0.3;
  // Talk about injection lowers the score only of a phrase it shows: words such as "malicious"
  // or "payload" beside an instruction given outright are free for an attacker to add.
  if (shown && isMeta(text.slice(Math.max(0, start - 250), end + 250))) s -= 0.3;
  if (ADDRESSED.test(text.slice(Math.max(0, start - 150), end + 150))) s += 0.1;
  if (kind === 'tool') s += 0.25;
  else if (kind === 'system') s -= 0.2;
  return Math.min(1, Math.max(0, s));
}

/** Whether a hidden element sits in code or in text about injection: a developer showing an example, not a page hiding one. */
export function exampleContext(text: string, start: number, end: number): boolean {
  const { line } = lineAt(text, start, Math.min(end, start + 200));
  // A JSON record (an issue, a tool result) is data that carries the element, not code showing it.
  return isMeta(text.slice(Math.max(0, start - 250), end + 250)) || (!line.trimStart().startsWith('<') && !JSON_RECORD.test(line) && CODE_LINE.test(line));
}

/** Several matches of one category make it likelier: scores combine like independent signals. */
export const combine = (scores: readonly number[]) => 1 - scores.reduce((acc, s) => acc * (1 - s), 1);

/** Context-free regexes of this module, for the linear-time proof. */
export const CONTEXT_PATTERNS: readonly RegExp[] = [CODE_LINE, DATA_LINE, JSON_RECORD, ...META, MENTION, NEGATED, OWN_WORDS, TECHNICAL_OBJECT, ADDRESSED];
