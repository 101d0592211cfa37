/**
 * Typed placeholders for values a mutating guardrail takes out of a request (`<EMAIL_1>`),
 * and putting them back into the answer. The model never sees the value; the developer
 * still gets an answer that names it.
 */

/** Any placeholder this module makes: `<` + upper-case kind + `_` + number + `>`. */
export const PLACEHOLDER = /<[A-Z][A-Z0-9_]{0,31}_[1-9][0-9]{0,5}>/g;

/**
 * The placeholders of one request in one tier. The same value gets the same placeholder in
 * every text of the request and across hooks, and numbers follow the order of first
 * appearance, so a conversation resent every turn keeps its numbering (and the model's
 * prompt cache).
 */
export class Placeholders {
  private readonly byValue = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  /** Placeholders already written in the request's own texts: never handed out, so restoring cannot rewrite them. */
  private taken: Set<string> | null = null;
  /** Placeholder → original value, for the ones whose guardrail asked to restore them in the answer. */
  readonly restorable = new Map<string, string>();

  /** `texts` are the request's texts as sent, read once (on the first name asked for) for placeholders already in them. */
  constructor(private readonly texts: () => readonly string[] = () => []) {}

  /** The placeholder for a value of a kind (`EMAIL`, `CREDIT_CARD`). */
  name(kind: string, value: string, restore: boolean): string {
    const key = `${kind}\u0000${value}`;
    let name = this.byValue.get(key);
    if (!name) {
      const taken = this.takenNames();
      let n = this.counts.get(kind) ?? 0;
      do name = `<${kind}_${++n}>`;
      while (taken.has(name));
      this.counts.set(kind, n);
      this.byValue.set(key, name);
    }
    if (restore) this.restorable.set(name, value);
    return name;
  }

  private takenNames(): Set<string> {
    if (this.taken) return this.taken;
    this.taken = new Set();
    for (const text of this.texts()) {
      // Most texts hold no '<' followed by a capital; the regex finds that out at memchr speed.
      for (const m of text.matchAll(PLACEHOLDER)) this.taken.add(m[0]);
    }
    return this.taken;
  }
}

/** The text with every known placeholder replaced by its value; unknown ones stay as they are. */
export function restoreText(text: string, values: ReadonlyMap<string, string>): string {
  if (values.size === 0 || !text.includes('<')) return text;
  return text.replace(PLACEHOLDER, (p) => values.get(p) ?? p);
}

/**
 * A JSON answer with placeholders restored in every string of it: message text, and tool
 * call arguments (a JSON string inside the JSON), so an agent's `git commit --author` or
 * `send_email` call gets the real value. Returns the same text when nothing changed.
 */
export function restoreJson(json: string, values: ReadonlyMap<string, string>): string {
  if (values.size === 0) return json;
  // A serializer may escape '<' as \u003c, so look for the names without their brackets.
  const names = [...values.keys()].map((p) => p.slice(1, -1));
  if (!names.some((n) => json.includes(n))) return json;
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = restoreText(v, values);
      if (r !== v) changed = true;
      return r;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return restoreText(json, values);
  }
  const out = walk(parsed);
  return changed ? JSON.stringify(out) : json;
}
