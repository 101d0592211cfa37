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

/**
 * The texts of a prompt (`prompts/get`) or a resource (`resources/read`): the strings under a
 * `text` key (text blocks, an embedded resource's text, a resource's contents), and not URIs,
 * MIME types, roles or base64 blobs, which carry no words to scan and must not be rewritten.
 */
export function textFields(value: unknown, prefix = '', out: Leaves = { texts: [], paths: [] }): Leaves {
  if (Array.isArray(value)) value.forEach((v, i) => textFields(v, prefix ? `${prefix}.${i}` : String(i), out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (k === 'text' && typeof v === 'string') {
        out.texts.push(v);
        out.paths.push(path);
      } else textFields(v, path, out);
    }
  }
  return out;
}

/** A copy of `value` with its `text` strings replaced, in the order `textFields` found them. */
export function withTextFields<T>(value: T, texts: readonly string[]): T {
  let i = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'text' && typeof x === 'string' ? (texts[i++] ?? x) : walk(x)]));
  };
  return walk(value) as T;
}
