/**
 * The texts a tool hook scans: every string in a tool's arguments (with its dotted path, so a
 * rule can pick the `query` argument), and the text of a result. Redaction writes the scanned
 * strings back where they came from.
 */
export interface Leaves {
  texts: string[];
  paths: string[];
}

export function leafStrings(value: unknown, prefix = '', out: Leaves = { texts: [], paths: [] }): Leaves {
  if (typeof value === 'string') {
    out.texts.push(value);
    out.paths.push(prefix);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => leafStrings(v, prefix ? `${prefix}.${i}` : String(i), out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leafStrings(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** A copy of `value` with its strings replaced, in the order `leafStrings` found them. */
export function withLeaves<T>(value: T, texts: readonly string[]): T {
  let i = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return texts[i++] ?? v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** The parts of a tool result that carry text: its content blocks and structured content (`_meta` is the protocol's, not the tool's). */
export function resultBody(result: Record<string, unknown>): { content: unknown; structuredContent?: unknown } {
  return { content: result.content, ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}) };
}
