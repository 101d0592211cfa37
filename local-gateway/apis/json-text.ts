/**
 * Edits of a request's JSON text that spare re-serializing it. An agent's request carries
 * hundreds of KiB of history; `JSON.stringify` of it on every call costs more than the rest
 * of the gateway's work. Each edit returns null when it cannot be made safely, and the caller
 * serializes the parsed body instead.
 */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces the top-level `"model": "<from>"` with `to`. Unescaped quotes only occur around keys
 * and string values, never inside strings, so the pattern matches keys named "model" with
 * that exact value; when it matches more than once (a nested object could carry the same pair),
 * which one is top-level is unknown and null is returned.
 */
export function replaceModel(text: string, from: string, to: string): string | null {
  const pattern = new RegExp(`"model"\\s*:\\s*${escapeRegExp(JSON.stringify(from))}`, 'g');
  let count = 0;
  const out = text.replace(pattern, () => {
    count++;
    return `"model":${JSON.stringify(to)}`;
  });
  return count === 1 ? out : null;
}

/** Adds a top-level field before the others; the caller knows the body is an object without it. */
export function prependField(text: string, name: string, value: unknown): string | null {
  const open = text.indexOf('{');
  if (open === -1 || text.slice(0, open).trim() !== '') return null;
  return `{${JSON.stringify(name)}:${JSON.stringify(value)},${text.slice(open + 1)}`;
}
