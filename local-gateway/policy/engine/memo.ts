/**
 * Remembering guardrail results per text. IDE agents resend the whole conversation every
 * turn: knowing what a guardrail found in each long message means only the new message is
 * scanned, not 256 KiB of history again.
 *
 * A long text is looked up once per request (`textIds`: hashing and comparing it is the
 * cost, so it is paid once, not once per guardrail and tier) and gets a number; each
 * guardrail remembers its spans by that number.
 */

/** Texts shorter than this are scanned again: looking them up would cost about as much. */
export const MEMO_MIN_CHARS = 512;
/** About two agent conversations of history (UTF-16, so ~8 MiB). */
const MAX_CHARS = 4 * 1024 * 1024;

interface Entry {
  text: string;
  id: number;
}

// Keyed by a numeric fingerprint, confirmed by comparing the whole text: comparing equal
// strings runs at memory speed, while hashing them (or building a string key from their
// ends) cost more than scanning them with a fast detector. A number keeps the Map lookup
// cheap for the ~100 messages an agent turn resends. The full comparison also means a text
// crafted to share a fingerprint never borrows another text's (empty) findings.
const byPrint = new Map<number, Entry>();
let chars = 0;
let nextId = 1;
// The same texts array is handed to every guardrail of every tier of one request.
const perArray = new WeakMap<readonly string[], (number | null)[]>();

/** Samples of the text: its length, ~32 characters spread over it, and its last 16. */
export function fingerprint(t: string): number {
  const n = t.length;
  let h = Math.imul(n, 0x9e3779b1);
  const step = Math.max(1, n >>> 5);
  for (let i = 0; i < n; i += step) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
  for (let i = Math.max(0, n - 16); i < n; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
  return h;
}

function idOf(text: string): number {
  const print = fingerprint(text);
  const known = byPrint.get(print);
  // Re-inserted either way: a Map iterates in insertion order, so the least recently used goes first.
  if (known) byPrint.delete(print);
  if (known && known.text === text) {
    byPrint.set(print, known);
    return known.id;
  }
  // A different text with the same fingerprint takes its place (the old one's results age out).
  if (known) chars -= known.text.length;
  const entry = { text, id: nextId++ };
  byPrint.set(print, entry);
  chars += text.length;
  for (const [k, e] of byPrint) {
    if (chars <= MAX_CHARS) break;
    byPrint.delete(k);
    chars -= e.text.length;
  }
  return entry.id;
}

/** A number per long text (null for short ones), stable while the text stays remembered. */
export function textIds(texts: readonly string[]): (number | null)[] {
  let out = perArray.get(texts);
  if (!out) {
    out = texts.map((t) => (t.length >= MEMO_MIN_CHARS && t.length <= MAX_CHARS ? idOf(t) : null));
    perArray.set(texts, out);
  }
  return out;
}

/** One guardrail's results by text id, oldest dropped past `max` entries (ids are never reused, so a stale entry only ages out). */
export class IdMemo<V> {
  private readonly map = new Map<number, V>();

  constructor(private readonly max = 4096) {}

  get(id: number): V | undefined {
    return this.map.get(id);
  }

  set(id: number, value: V): void {
    this.map.set(id, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}
