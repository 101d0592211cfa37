/**
 * Puts back, in a streamed answer, the originals an input guardrail replaced with
 * placeholders (`<EMAIL_1>` → the address), so the model never saw the value and the
 * developer still reads it. Text arrives in pieces: a placeholder cut across two deltas is
 * held until it is whole, never sent in halves.
 */
export class PlaceholderRestorer {
  private readonly pattern: RegExp;
  /** Every proper prefix of every placeholder: a text ending in one may be a cut placeholder. */
  private readonly prefixes = new Set<string>();
  private readonly longest: number;

  constructor(private readonly originals: ReadonlyMap<string, string>) {
    const names = [...originals.keys()].filter((k) => k.length > 0).sort((a, b) => b.length - a.length);
    // An alternation of literals, longest first: linear, and `<EMAIL_10>` wins over `<EMAIL_1>`.
    this.pattern = new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    this.longest = names[0]?.length ?? 0;
    for (const n of names) for (let i = 1; i < n.length; i++) this.prefixes.add(n.slice(0, i));
  }

  /** Whether there is anything to restore. */
  get active(): boolean {
    return this.longest > 0;
  }

  /** Restores whole placeholders in `text`; in JSON text (tool-call arguments) as escaped string content. */
  restore(text: string, json = false): string {
    if (!this.active) return text;
    this.pattern.lastIndex = 0;
    return text.replace(this.pattern, (m) => {
      const original = this.originals.get(m) ?? m;
      return json ? JSON.stringify(original).slice(1, -1) : original;
    });
  }

  /** How many characters at the end of `text` could be the start of a placeholder. */
  heldBack(text: string): number {
    const max = Math.min(this.longest - 1, text.length);
    for (let n = max; n > 0; n--) if (this.prefixes.has(text.slice(text.length - n))) return n;
    return 0;
  }
}

/** One block's restore state: text waiting because its end may be a cut placeholder. */
export class RestoreBuffer {
  private held = '';

  constructor(
    private readonly restorer: PlaceholderRestorer,
    private readonly json = false,
  ) {}

  /** The restored text that can go out now; with `final`, everything. */
  push(text: string, final: boolean): string {
    if (!this.restorer.active) return text;
    const all = this.held + text;
    const keep = final ? 0 : this.restorer.heldBack(all);
    this.held = all.slice(all.length - keep);
    return this.restorer.restore(all.slice(0, all.length - keep), this.json);
  }
}

/**
 * An event stream as the trace keeps it: the originals a client got back replaced by their
 * placeholders again, as in the stored request, so restoring them for the developer does not
 * put the values in the database.
 */
export function withPlaceholders(sse: string, originals: ReadonlyMap<string, string>): string {
  let out = sse;
  const pairs = [...originals].filter(([, original]) => original.length > 0).sort((a, b) => b[1].length - a[1].length);
  // In event data every string is JSON: the original appears escaped.
  for (const [placeholder, original] of pairs) out = out.split(JSON.stringify(original).slice(1, -1)).join(placeholder);
  return out;
}
