import type { ReactNode } from 'react';

/** A span to mark in a text: a guardrail finding (by tier) or a redaction placeholder. */
export interface Mark {
  start: number;
  end: number;
  className: string;
  title: string;
}

/** `[redacted:email]` and `<EMAIL_1>`-style placeholders a mutating guardrail leaves behind. */
const REDACTION = /\[redacted:[^\]]+\]|<[A-Z][A-Z_]*_\d+>/g;

export function redactionMarks(text: string): Mark[] {
  return [...text.matchAll(REDACTION)].map((m) => ({ start: m.index, end: m.index + m[0].length, className: 'mark-redaction', title: 'redacted by a guardrail' }));
}

/**
 * The text with the marks applied; overlapping marks split the text at every boundary, so
 * each piece carries all the marks that cover it. Text stays text: never parsed as HTML.
 */
export function Highlighted({ text, marks }: { text: string; marks: Mark[] }): ReactNode {
  const all = [...marks, ...redactionMarks(text)].filter((m) => m.end > m.start && m.start < text.length);
  if (all.length === 0) return text;
  const cuts = new Set([0, text.length]);
  for (const m of all) {
    cuts.add(Math.max(0, m.start));
    cuts.add(Math.min(text.length, m.end));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: ReactNode[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const piece = text.slice(a, b);
    const over = all.filter((m) => m.start <= a && m.end >= b);
    if (over.length === 0) out.push(piece);
    else {
      out.push(
        <mark key={a} className={[...new Set(over.map((m) => m.className))].join(' ')} title={over.map((m) => m.title).join('; ')} data-testid="mark">
          {piece}
        </mark>,
      );
    }
  }
  return out;
}
