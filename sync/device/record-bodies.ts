import { builtinPlan, Scanner } from '../../local-gateway/guardrails/scanner.js';

/** What the bundle's `logging.bodies` says about bodies that leave the device. */
export type BodiesLogging = 'full' | 'redacted' | 'none';

export const REDACTION_MARK = (type: string) => `[redacted:${type}]`;

/**
 * Masks, in a copy of a body, what the built-in PII and secrets scanners find: the same
 * detectors (and offsets) the guardrails use, so "redacted" means what it means on the
 * dashboard. Every string in the body is scanned, whatever the API's shape, so a tool
 * argument or an SSE stream is covered as well as message text.
 */
export class BodyRedactor {
  private scanner: Scanner | null = null;

  async redact(body: unknown): Promise<unknown> {
    const texts: string[] = [];
    collect(body, texts);
    if (texts.length === 0) return body;
    this.scanner ??= new Scanner(builtinPlan(['pii', 'secrets']).rules);
    const found = await this.scanner.scanTexts(texts);
    if (found.length === 0) return body;
    const byText = new Map<number, { start: number; end: number; type: string }[]>();
    for (const f of found) {
      const list = byText.get(f.text) ?? [];
      list.push({ start: f.start, end: f.end, type: f.type });
      byText.set(f.text, list);
    }
    const masked = texts.map((t, i) => mask(t, byText.get(i) ?? []));
    let next = 0;
    return rebuild(body, () => masked[next++]!);
  }
}

function collect(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const el of v) collect(el, out);
  else if (typeof v === 'object' && v !== null) for (const el of Object.values(v)) collect(el, out);
}

/** The same shape with each string replaced, in the order `collect` visited them. */
function rebuild(v: unknown, nextText: () => string): unknown {
  if (typeof v === 'string') return nextText();
  if (Array.isArray(v)) return v.map((el) => rebuild(el, nextText));
  if (typeof v === 'object' && v !== null) {
    // No prototype: a body key "__proto__" must stay a key.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, el] of Object.entries(v)) out[k] = rebuild(el, nextText);
    return out;
  }
  return v;
}

/** Replaces spans (possibly overlapping, sorted by start) with their mark, right to left. */
function mask(text: string, spans: { start: number; end: number; type: string }[]): string {
  if (spans.length === 0) return text;
  // Overlapping findings (an email inside a URL) merge into one mark of the first type.
  const merged: { start: number; end: number; type: string }[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s.start < last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  let out = text;
  for (const s of merged.reverse()) out = `${out.slice(0, s.start)}${REDACTION_MARK(s.type)}${out.slice(s.end)}`;
  return out;
}
