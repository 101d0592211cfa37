/**
 * The texts a tool hook scans: every string in a tool's arguments (with its dotted path, so a
 * rule can pick the `query` argument), and the text of a result. Redaction writes the scanned
 * strings back where they came from.
 */
export interface Leaves {
  texts: string[];
  paths: string[];
}

/** Which strings a walk takes, by the key they sit under (none at the top or in an array). */
type Take = (key: string | undefined) => boolean;
const EVERY: Take = () => true;
const UNDER_TEXT: Take = (key) => key === 'text';
const QUESTION_WORDS: Take = (key) => key === 'text' || key === 'message' || key === 'systemPrompt';

function collect(value: unknown, take: Take, key: string | undefined, prefix: string, out: Leaves): Leaves {
  if (typeof value === 'string') {
    if (take(key)) {
      out.texts.push(value);
      out.paths.push(prefix);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collect(v, take, undefined, prefix ? `${prefix}.${i}` : String(i), out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collect(v, take, k, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** A copy of `value` with the strings `take` picks replaced, in the order `collect` found them. */
function replace<T>(value: T, texts: readonly string[], take: Take): T {
  let i = 0;
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') return take(key) ? (texts[i++] ?? v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value, undefined) as T;
}

/** Every string in `value`, with its dotted path. */
export function leafStrings(value: unknown): Leaves {
  return collect(value, EVERY, undefined, '', { texts: [], paths: [] });
}

/** A copy of `value` with its strings replaced, in the order `leafStrings` found them. */
export function withLeaves<T>(value: T, texts: readonly string[]): T {
  return replace(value, texts, EVERY);
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
export function textFields(value: unknown): Leaves {
  return collect(value, UNDER_TEXT, undefined, '', { texts: [], paths: [] });
}

/** A copy of `value` with its `text` strings replaced, in the order `textFields` found them. */
export function withTextFields<T>(value: T, texts: readonly string[]): T {
  return replace(value, texts, UNDER_TEXT);
}

/** How a hook finds the strings it scans in a value, and writes the redacted ones back. */
export interface TextWalk {
  find(value: unknown): Leaves;
  put<T>(value: T, texts: readonly string[]): T;
}

/** A tool's arguments and results: every string. */
export const EVERY_STRING: TextWalk = { find: leafStrings, put: withLeaves };
/** A prompt's or resource's contents: the strings under `text`. */
export const TEXT_STRINGS: TextWalk = { find: textFields, put: withTextFields };
/**
 * A server's question to its client: the words of a sampling request (its messages' text, its
 * system prompt: a prompt to the client's model) and an elicitation's message; not its schema,
 * model hints or ids.
 */
export const QUESTION_STRINGS: TextWalk = {
  find: (value) => collect(value, QUESTION_WORDS, undefined, '', { texts: [], paths: [] }),
  put: (value, texts) => replace(value, texts, QUESTION_WORDS),
};
