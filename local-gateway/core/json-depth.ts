/**
 * How deep a JSON value may nest. Real requests nest a dozen levels (a tool schema inside a
 * tool inside the body); every walker of a body (the store's encoder, guardrail text
 * extraction, translators, zod) recurses, and past a few thousand levels one overflows the
 * stack. 256 leaves room for any real schema and keeps each walk far from that.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Whether a parsed value nests deeper than `limit` (the top object or array is level 1). The
 * walk stops at the limit, so a hostile body costs at most `limit` frames.
 */
export function nestsDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (depth > limit) return true;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null && walk(x, depth + 1)) return true;
      return false;
    }
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null && walk(x, depth + 1)) return true;
    }
    return false;
  };
  return walk(value, 1);
}
