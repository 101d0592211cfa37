/**
 * A case-insensitive Aho–Corasick automaton over a list of words: one pass over the text in
 * plain JS, a table lookup per character, linear whatever the words are. A regex alternation
 * of a hundred words makes V8 try most of them at every position (~100 MB/s); this runs at
 * several hundred MB/s and says which word was found. prompt_injection finds its anchor words
 * with it, topic its keywords.
 */

const ASCII = 128;

export interface AnchorHit {
  /** Index of the anchor in the list the automaton was built from. */
  anchor: number;
  /** Offset of the anchor's first character in the text. */
  start: number;
}

// Per ASCII code, bits for the run scan: 8 in the base64 alphabet (standard and URL-safe),
// 1 not a hex digit, 2 upper-case letter, 4 lower-case letter. One lookup per character.
const IN_RUN = 8;
const RUN_BITS = new Uint8Array(ASCII);
for (let c = 0; c < ASCII; c++) {
  const ch = String.fromCharCode(c);
  if (!/[A-Za-z0-9+/_-]/.test(ch)) continue;
  RUN_BITS[c] = IN_RUN | (/[0-9a-fA-F]/.test(ch) ? 0 : 1) | (/[A-Z]/.test(ch) ? 2 : 0) | (/[a-z]/.test(ch) ? 4 : 0);
}

/** A run of base64-alphabet characters long enough to be an encoded payload. */
export interface Run {
  start: number;
  end: number;
  /** Only hex digits. */
  hex: boolean;
  /** Both upper- and lower-case letters, as base64 of text has. */
  mixedCase: boolean;
}

const isInvisible = (c: number) => (c >= 0x200b && c <= 0x200d) || c === 0x2060 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

const foldWide = (c: number) => String.fromCharCode(c).toLowerCase().charCodeAt(0);

export class AnchorAutomaton {
  // delta[state * width + symbol[c]]: the next state on ASCII character c, failure links
  // folded in. Only characters that occur in anchors get a symbol (the rest are 0, back to the
  // root), which keeps the table small enough to stay in cache.
  private readonly delta: Uint16Array;
  private readonly symbol = new Uint8Array(ASCII);
  private readonly width: number;
  // Non-ASCII edges per state (CJK, Cyrillic, accents); followed through failure links at run time.
  private readonly wide: Map<number, number>[];
  private readonly fail: Int32Array;
  // Anchors ending at each state, its own and those reached by failure links.
  private readonly out: number[][];
  // 1 where some anchor ends: the hot loop reads this flat array, not the lists.
  private readonly terminal: Uint8Array;
  private readonly lengths: number[];
  /** Where the last `find` met zero-width, bidi-control or tag characters (a tag's high surrogate), found in the same pass. */
  invisible: number[] = [];
  /** Where the last `find` met `%` (URL-encoding candidates). */
  percent: number[] = [];

  constructor(words: readonly string[]) {
    const goto: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    this.lengths = words.map((w) => w.length);
    words.forEach((word, i) => {
      let s = 0;
      for (const ch of word.toLowerCase()) {
        for (let k = 0; k < ch.length; k++) {
          const c = ch.charCodeAt(k);
          let next = goto[s]!.get(c);
          if (next === undefined) {
            next = goto.length;
            goto.push(new Map());
            own.push([]);
            goto[s]!.set(c, next);
          }
          s = next;
        }
      }
      own[s]!.push(i);
    });
    const n = goto.length;
    if (n > 0xffff) throw new Error(`the words are too many or too long (${n} automaton states, at most 65535): shorten the list`);
    let width = 1;
    for (const g of goto) for (const c of g.keys()) if (c < ASCII && this.symbol[c] === 0) this.symbol[c] = width++;
    this.width = width;
    // Upper-case letters share their lower-case symbol, so the hot loop needs no folding; the
    // table is built from the lower-case symbols only, then filled in.
    this.fail = new Int32Array(n);
    this.out = own;
    this.terminal = new Uint8Array(n);
    this.delta = new Uint16Array(n * width);
    this.wide = goto.map(() => new Map());
    // Breadth-first, so a state's failure target is complete before the state itself.
    const lowerOnly = this.symbol.slice();
    for (let c = 65; c <= 90; c++) this.symbol[c] = lowerOnly[c + 32]!;
    const queue: number[] = [0];
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = this.fail[s]!;
      if (s !== 0) this.out[s] = [...this.out[s]!, ...this.out[f]!];
      this.terminal[s] = this.out[s]!.length > 0 ? 1 : 0;
      for (let c = 0; c < ASCII; c++) {
        const sym = lowerOnly[c]!;
        if (sym === 0) continue;
        const next = goto[s]!.get(c);
        if (next !== undefined) {
          this.fail[next] = s === 0 ? 0 : this.delta[f * width + sym]!;
          this.delta[s * width + sym] = next;
          queue.push(next);
        } else this.delta[s * width + sym] = s === 0 ? 0 : this.delta[f * width + sym]!;
      }
      for (const [c, next] of goto[s]!) {
        if (c < ASCII) continue;
        this.wide[s]!.set(c, next);
        this.fail[next] = s === 0 ? 0 : this.stepWide(f, c);
        queue.push(next);
      }
    }
  }

  private stepWide(state: number, c: number): number {
    for (let s = state; ; s = this.fail[s]!) {
      const next = this.wide[s]!.get(c);
      if (next !== undefined) return next;
      if (s === 0) return 0;
    }
  }

  /**
   * Every anchor occurrence in the text, in order of where it ends; with `runs`, also the runs
   * of at least `minRun` base64-alphabet characters, found in the same pass (a second pass,
   * or a regex that retries inside every identifier, would cost more than the anchors).
   */
  find(text: string, runs?: Run[], minRun = 20): AnchorHit[] {
    const hits: AnchorHit[] = [];
    const invisible: number[] = (this.invisible = []);
    const percent: number[] = (this.percent = []);
    const delta = this.delta;
    const terminal = this.terminal;
    const symbol = this.symbol;
    const width = this.width;
    const n = text.length;
    let s = 0;
    let runStart = -1;
    let kinds = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < ASCII) {
        const k = RUN_BITS[c]!;
        if (k !== 0) {
          if (runStart < 0) {
            runStart = i;
            kinds = 0;
          }
          kinds |= k;
        } else {
          if (runStart >= 0) {
            if (runs && i - runStart >= minRun) runs.push({ start: runStart, end: i, hex: (kinds & 1) === 0, mixedCase: (kinds & 6) === 6 });
            runStart = -1;
          }
          if (c === 37) percent.push(i);
        }
        s = delta[s * width + symbol[c]!]!;
      } else {
        if (runStart >= 0) {
          if (runs && i - runStart >= minRun) runs.push({ start: runStart, end: i, hex: (kinds & 1) === 0, mixedCase: (kinds & 6) === 6 });
          runStart = -1;
        }
        if ((c >= 0x200b && c <= 0x2069 && isInvisible(c)) || c === 0xfeff || c === 0xdb40) invisible.push(i);
        s = this.stepWide(s, foldWide(c));
      }
      if (terminal[s] === 1) this.report(s, i, hits);
    }
    if (runs && runStart >= 0 && n - runStart >= minRun) runs.push({ start: runStart, end: n, hex: (kinds & 1) === 0, mixedCase: (kinds & 6) === 6 });
    return hits;
  }

  private report(state: number, end: number, hits: AnchorHit[]): void {
    for (const a of this.out[state]!) hits.push({ anchor: a, start: end + 1 - this.lengths[a]! });
  }
}
