/**
 * Edits of a request's JSON text that spare re-serializing it. An agent's request carries
 * hundreds of KiB of history; `JSON.stringify` of it on every call costs more than the rest
 * of the gateway's work. Each edit returns null when it cannot be made safely, and the caller
 * serializes the parsed body instead.
 */

const MODEL_KEY = '"model"';

/** Where the JSON whitespace (the only kind valid JSON has between tokens) before `i` begins. */
function skipSpaceBack(text: string, i: number): number {
  let c = text.charCodeAt(i - 1);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(--i - 1);
  return i;
}

/** The index of a `"model"` key whose value starts at `at`, or -1. */
function modelKeyBefore(text: string, at: number): number {
  const colon = skipSpaceBack(text, at) - 1;
  if (text.charCodeAt(colon) !== 0x3a) return -1;
  const keyEnd = skipSpaceBack(text, colon);
  return text.startsWith(MODEL_KEY, keyEnd - MODEL_KEY.length) ? keyEnd - MODEL_KEY.length : -1;
}

/**
 * Replaces the top-level `"model": "<from>"` with `to`. Unescaped quotes only occur around keys
 * and string values, never inside strings, so the value preceded by `"model":` is a key named
 * model with that exact value; when the pair occurs more than once (a nested object could
 * carry it too), which one is top-level is unknown and null is returned. The text is searched
 * for the quoted value, not with a regular expression or for the key: a search stops at every
 * occurrence of its first character, and a needle that starts with a quote stops everywhere in
 * JSON; a long needle is skipped through (an agent's 300 KB body: ~240 µs by regex, ~55 µs).
 */
export function replaceModel(text: string, from: string, to: string): string | null {
  const value = JSON.stringify(from);
  let start = -1;
  let end = -1;
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + value.length)) {
    const key = modelKeyBefore(text, at);
    if (key === -1) continue;
    if (start !== -1) return null;
    start = key;
    end = at + value.length;
  }
  if (start === -1) return null;
  return `${text.slice(0, start)}"model":${JSON.stringify(to)}${text.slice(end)}`;
}

/** Adds a top-level field before the others; the caller knows the body is an object without it. */
export function prependField(text: string, name: string, value: unknown): string | null {
  const open = text.indexOf('{');
  if (open === -1 || text.slice(0, open).trim() !== '') return null;
  return `{${JSON.stringify(name)}:${JSON.stringify(value)},${text.slice(open + 1)}`;
}
