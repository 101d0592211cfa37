import type { GuardrailFinding } from '../policy/engine/guardrails.js';
import { IdMemo, textIds } from '../policy/engine/memo.js';
import { textKinds, type TextKind } from '../contracts/texts.js';

/** What a detector finds in one text: typed spans, never the matched text. */
export interface Span {
  type: string;
  start: number;
  end: number;
}

/**
 * The scan the local guardrails share: a detector's spans per text, remembered per long text
 * (by the request's text ids), so the 50th turn of a conversation scans only its new
 * messages. With `byKind` the memory is kept per kind of text, for a detector whose answer
 * depends on it (prompt injection weighs a tool result more than a user message).
 */
export function spanScanner(
  detect: (text: string, kind: TextKind | undefined) => readonly Span[],
  opts: { byKind?: boolean } = {},
): (texts: readonly string[]) => GuardrailFinding[] {
  const memos = new Map<TextKind | undefined, IdMemo<readonly Span[]>>();
  return (texts) => {
    const ids = textIds(texts);
    const kinds = opts.byKind ? textKinds(texts) : undefined;
    const found: GuardrailFinding[] = [];
    texts.forEach((text, i) => {
      const kind = kinds?.[i];
      let memo = memos.get(kind);
      if (!memo) memos.set(kind, (memo = new IdMemo()));
      const id = ids[i]!;
      let spans = id === null ? undefined : memo.get(id);
      if (!spans) {
        spans = detect(text, kind);
        if (id !== null) memo.set(id, spans);
      }
      for (const s of spans) found.push({ type: s.type, text: i, start: s.start, end: s.end });
    });
    return found;
  };
}

/**
 * One text's findings with overlapping ones joined (the first one's type names the join):
 * replacing two overlapping spans one by one would leave the part only the earlier covers.
 */
function joined(findings: readonly GuardrailFinding[], text: number): GuardrailFinding[] {
  const mine = findings.filter((f) => f.text === text).sort((a, b) => a.start - b.start || b.end - a.end);
  const out: GuardrailFinding[] = [];
  for (const f of mine) {
    const last = out.at(-1);
    if (last && f.start < last.end) last.end = Math.max(last.end, f.end);
    else out.push({ ...f });
  }
  return out;
}

/** The texts with each finding's span replaced, from the end so earlier offsets hold. */
export function replaceSpans(texts: readonly string[], findings: readonly GuardrailFinding[], replacement: (f: GuardrailFinding, original: string) => string): string[] {
  return texts.map((text, i) => {
    let out = text;
    for (const f of joined(findings, i).reverse()) out = `${out.slice(0, f.start)}${replacement(f, text.slice(f.start, f.end))}${out.slice(f.end)}`;
    return out;
  });
}
