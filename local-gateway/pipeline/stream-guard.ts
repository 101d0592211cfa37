import { standaloneGuardrailRuntime, type GuardrailRuntime } from '../guardrails/remote/runtime.js';
import { performance } from 'node:perf_hooks';
import type { GatehouseError } from '../core/errors.js';
import { checkFor, failed, findingsOf, runGuardrails, type GuardrailCheck, type GuardrailFinding } from '../policy/engine/guardrails.js';
import { streamText } from '../contracts/texts.js';
import { matches } from '../policy/engine/match.js';
import { blocks, verdict, type Role } from '../policy/engine/verdict.js';
import type { Guardrail, Verdict } from '../policy/schema.js';
import { parseSseEvent } from '../stream/sse.js';
import { timedAsync, type RequestContext } from './context.js';
import { hasHook, refusal, type RequestPolicy } from './tier-runs.js';
import { PlaceholderRestorer, RestoreBuffer, withPlaceholders } from './restore-placeholders.js';
import { blockTexts, type EventData, type StreamCodec } from '../apis/stream-codecs.js';

/**
 * Characters of each block's newest text held back until more arrives: a match up to this
 * long is whole before its first character may leave.
 */
export const HOLD_CHARS = 128;
/** Released text scanned again with the new, so a match that starts before the boundary is seen whole. */
const LOOKBACK_CHARS = 256;
/** A guardrail that answers asynchronously (a remote provider) is asked once per this many new characters, not per event. */
const ASYNC_STEP_CHARS = 1024;

interface Block {
  /** Position in the order blocks appeared: the `output[i]` of the verdicts' findings. */
  index: number;
  /** The model's text so far. */
  text: string;
  /** How much of `text` went out (redacted and restored). */
  released: number;
  /** How much of `text` the guardrails have seen. */
  scanned: number;
  /** What the client was sent for this block. */
  sent: string;
  restore: RestoreBuffer;
  /** The block's last delta event, the shape of one that carries held text out. */
  template: { name: string | null; data: EventData } | null;
}

interface Rule {
  rule: Guardrail;
  check: GuardrailCheck | null;
  found: GuardrailFinding[];
  /** Originals of the spans redacted so far, handed to `redact` again so its numbering runs on. */
  values: { type: string; value: string }[];
  error: unknown;
}

interface Span {
  rule: Rule;
  type: string;
  start: number;
  end: number;
}

/** The guardrail refused the answer; the stream ends with this error. */
export class StreamBlocked extends Error {
  constructor(readonly error: GatehouseError) {
    super(error.message);
  }
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;

/**
 * Guards the text of a streamed answer as it is relayed, for the active tier's enforced
 * `llm_output` guardrails: each block's text is scanned across event boundaries, its newest
 * `HOLD_CHARS` held until the next delta (or the block's end), `mutate` rules redact before the
 * text leaves and `validate` rules end the stream. Placeholders an input guardrail left are
 * restored on the way out. Audit rules and shadow tiers are left to the end-of-stream record.
 */
export class StreamGuard {
  private readonly blocks = new Map<string, Block>();
  private readonly rules: Rule[];
  private readonly restorer: PlaceholderRestorer;
  private readonly role: Role;
  private asyncScans = false;
  /** Events added (held text carried out) minus events left out (all their text held): Responses numbers its events. */
  private shift = 0;
  /** The sequence number the next event the client gets carries. */
  private nextSeq = 0;
  private blocked: Verdict[] = [];
  /** Milliseconds spent guarding, for the trace's `output_guardrails` phase. */
  elapsed = 0;

  constructor(
    private readonly codec: StreamCodec,
    rules: Guardrail[],
    private readonly placeholders: ReadonlyMap<string, string>,
    tier: string,
    /** The gateway's guardrail runtime the rules' checks are built in. */
    private readonly runtime: GuardrailRuntime = standaloneGuardrailRuntime(),
  ) {
    this.rules = rules.map((rule) => ({ rule, check: null, found: [], values: [], error: null }));
    this.restorer = new PlaceholderRestorer(placeholders);
    this.role = { tier, enforced: true };
  }

  /** The rules this guard enforces; the end-of-stream record leaves them out. */
  get handled(): ReadonlySet<Guardrail> {
    return new Set(this.rules.map((r) => r.rule));
  }

  /** What the trace stores of the stream the client got: restored originals are placeholders again. */
  traced(sse: string): string {
    return this.restorer.active ? withPlaceholders(sse, this.placeholders) : sse;
  }

  /** The model's text of every block, in order: what the end-of-stream record scans. */
  texts(): string[] {
    return [...this.blocks.values()].map((b) => b.text);
  }

  /** What one relayed event becomes: held text may leave with it, or it may go out empty-handed. Throws `StreamBlocked`. */
  async event(text: string): Promise<string> {
    const start = performance.now();
    try {
      return await this.guardEvent(text);
    } finally {
      this.elapsed += performance.now() - start;
    }
  }

  /** The held text of every block, scanned, at the end of the stream. Throws `StreamBlocked`. */
  async end(): Promise<string> {
    const start = performance.now();
    try {
      return await this.flush('all', null);
    } finally {
      this.elapsed += performance.now() - start;
    }
  }

  /** An event the gateway adds (the error event), numbered after what the client was sent. */
  renumber(text: string): string {
    if (this.nextSeq === 0) return text;
    return text.replace(/"sequence_number":\d+/g, () => `"sequence_number":${this.nextSeq++}`);
  }

  /** The verdicts of the guarded rules, for the trace. */
  verdicts(): Verdict[] {
    // A strict rule that failed is among the blocking verdicts already.
    const others = this.rules.flatMap((r) => (r.error === null ? this.mutateVerdict(r) : r.rule.mode === 'strict' ? [] : [failed(this.role, 'output_guardrails', r.rule, r.error)]));
    return [...this.blocked, ...others];
  }

  private mutateVerdict(r: Rule): Verdict[] {
    if (r.found.length === 0 || r.rule.action !== 'mutate') return [];
    const reason = `${this.role.tier} guardrail "${r.rule.id}" redacted ${r.found.length} finding(s) (${[...new Set(r.found.map((f) => f.type))].join(', ')}) in the streamed answer.`;
    return [verdict(this.role, 'output_guardrails', r.rule.id, 'mutate', r.rule.mode, reason, findingsOf(r.found, 'output'))];
  }

  private async guardEvent(text: string): Promise<string> {
    const ev = parseSseEvent(text);
    if (ev === null) return text;
    let data: EventData;
    try {
      data = JSON.parse(ev.data) as EventData;
    } catch {
      // Not JSON: chat's `[DONE]`, the end of everything.
      return (await this.flush('all', null)) + text;
    }
    if (typeof data !== 'object' || data === null) return text;
    const deltas = this.codec.deltas(data);
    const closes = this.codec.closes(data);
    const closing = (key: string) => closes === 'all' || closes.includes(key);
    let before = '';
    let empty = true;
    for (const d of deltas) {
      const block = this.block(d.key, d.json);
      block.text += d.text;
      block.template = { name: ev.event, data };
      const out = await this.release(block, closing(d.key));
      if (out !== '') empty = false;
      this.codec.setDelta(data, d.key, out);
    }
    // Held text of other blocks this event ends goes out first, in events of its own.
    if (closes === 'all' || closes.length > 0) before = await this.flush(closes, new Set(deltas.map((d) => d.key)));
    if (deltas.length > 0 && empty && this.codec.droppable(data)) {
      if (typeof data.sequence_number === 'number') this.shift--;
      return before;
    }
    const changed = deltas.length > 0 || this.codec.setFull(data, (key) => this.blocks.get(key)?.sent);
    if (typeof data.sequence_number === 'number') {
      data.sequence_number += this.shift;
      this.nextSeq = data.sequence_number + 1;
    }
    if (!changed && this.shift === 0) return before + text;
    return before + this.codec.render(ev.event, data);
  }

  private block(key: string, json: boolean): Block {
    let b = this.blocks.get(key);
    if (!b) this.blocks.set(key, (b = { index: this.blocks.size, text: '', released: 0, scanned: 0, sent: '', restore: new RestoreBuffer(this.restorer, json), template: null }));
    return b;
  }

  /** Releases what is left of the named blocks (except `skip`), each in a delta event of its own. */
  private async flush(which: 'all' | string[], skip: ReadonlySet<string> | null): Promise<string> {
    let out = '';
    for (const [key, block] of this.blocks) {
      if (skip?.has(key) || (which !== 'all' && !which.includes(key))) continue;
      const text = await this.release(block, true);
      if (text === '' || !block.template) continue;
      const data = this.codec.synth(block.template.data, key, text);
      if (typeof data.sequence_number === 'number') {
        data.sequence_number = this.nextSeq++;
        this.shift++;
      }
      out += this.codec.render(block.template.name, data);
    }
    return out;
  }

  /** Scans a block and returns the text that may leave now, redacted and restored. */
  private async release(block: Block, final: boolean): Promise<string> {
    const end = block.text.length;
    // Without guardrails only a cut placeholder is held (by the restore buffer).
    const hold = this.rules.length > 0 ? HOLD_CHARS : 0;
    let cut = final ? end : Math.max(block.released, end - hold);
    if (this.rules.length > 0 && (end > block.scanned || (final && end > block.released))) {
      // New text is scanned even while all of it is held: a validator's finding ends the stream, and the provider's work, at once.
      if (!final && this.asyncScans && end - block.scanned < ASYNC_STEP_CHARS) return '';
      const spans = await this.scan(block);
      block.scanned = end;
      // A redaction that crosses the boundary (or may still grow) leaves whole, later.
      for (const s of spans) if (s.start < cut && s.end > cut && !final) cut = s.start;
      cut = Math.max(cut, block.released);
      return this.emit(block, this.redact(block, cut, spans), final);
    }
    if (cut <= block.released) return final ? this.emit(block, '', true) : '';
    const segment = block.text.slice(block.released, cut);
    block.released = cut;
    return this.emit(block, segment, final);
  }

  private emit(block: Block, segment: string, final: boolean): string {
    const out = block.restore.push(segment, final);
    block.sent += out;
    return out;
  }

  /** Runs every guarded rule on the block's unreleased text (and some context before it); refuses on a validator's finding. */
  private async scan(block: Block): Promise<Span[]> {
    const from = Math.max(0, block.released - LOOKBACK_CHARS);
    const window = block.text.slice(from);
    const spans: Span[] = [];
    const blocking: Verdict[] = [];
    const found: { rule: Rule; spans: Span[] }[] = [];
    for (const r of this.rules) {
      if (r.error !== null) continue;
      try {
        r.check ??= checkFor(r.rule, this.runtime);
        const result = r.check.scan([window]);
        if (result instanceof Promise) this.asyncScans = true;
        const hits = result instanceof Promise ? await result : result;
        found.push({ rule: r, spans: hits.map((f) => ({ rule: r, type: f.type, start: from + f.start, end: from + f.end })) });
      } catch (err) {
        r.error = err;
        if (r.rule.mode === 'strict') blocking.push(failed(this.role, 'output_guardrails', r.rule, err));
      }
    }
    for (const f of found) if (f.rule.rule.action === 'mutate') spans.push(...f.spans);
    for (const f of found) {
      if (f.rule.rule.action !== 'validate') continue;
      // Validators see the text after the redactions, as on a complete answer.
      const hits = f.spans.filter((s) => !spans.some((m) => m.start <= s.start && s.end <= m.end));
      if (hits.length > 0) blocking.push(this.blockVerdict(f.rule, block, hits));
    }
    if (blocking.length > 0) {
      this.blocked = blocking;
      throw new StreamBlocked(refusal(blocking));
    }
    return spans;
  }

  private blockVerdict(r: Rule, block: Block, hits: Span[]): Verdict {
    const types = [...new Set(hits.map((h) => h.type))].join(', ');
    const reason = `${this.role.tier} guardrail "${r.rule.id}" found ${types} in the answer and ended the stream: remove it from the answer, or ask the policy owner about rule ${r.rule.id}.`;
    const found = hits.map((h) => ({ type: h.type, text: block.index, start: h.start, end: h.end }));
    return verdict(this.role, 'output_guardrails', r.rule.id, 'block', r.rule.mode, reason, findingsOf(found, 'output'));
  }

  /** The block's text up to `cut`, not yet released, with the redactions that fall in it. */
  private redact(block: Block, cut: number, spans: Span[]): string {
    const from = block.released;
    block.released = cut;
    // Clipped to what leaves now; where two rules overlap, the earlier rule (as listed) wins.
    const kept: Span[] = [];
    for (const r of this.rules) {
      for (const s of spans) {
        if (s.rule !== r) continue;
        const c = { ...s, start: Math.max(s.start, from), end: Math.min(s.end, cut) };
        if (c.end > c.start && !kept.some((k) => overlaps(k, c))) kept.push(c);
      }
    }
    if (kept.length === 0) return block.text.slice(from, cut);
    const replaced = new Map<Span, string>();
    for (const r of this.rules) {
      const mine = kept.filter((s) => s.rule === r);
      if (mine.length === 0) continue;
      const values = [...r.values, ...mine.map((s) => ({ type: s.type, value: block.text.slice(s.start, s.end) }))];
      const out = r.check!.redact(
        values.map((v) => v.value),
        values.map((v, i) => ({ type: v.type, text: i, start: 0, end: v.value.length })),
      );
      mine.forEach((s, i) => replaced.set(s, out[r.values.length + i]!));
      r.values = values;
      r.found.push(...mine.map((s) => ({ type: s.type, text: block.index, start: s.start, end: s.end })));
    }
    kept.sort((a, b) => a.start - b.start);
    let out = '';
    let at = from;
    for (const s of kept) {
      out += block.text.slice(at, s.start) + replaced.get(s)!;
      at = s.end;
    }
    return out + block.text.slice(at, cut);
  }
}

/**
 * A guard for a streamed answer, or null when there is nothing to guard: no enforced
 * `llm_output` rule in the active tier and no placeholder to restore.
 */
export function createStreamGuard(ctx: RequestContext, rp: RequestPolicy, codec: StreamCodec | null): StreamGuard | null {
  if (!codec) return null;
  const rules = rp.active.tier.guardrails.filter((g) => g.hook === 'llm_output' && g.mode !== 'audit' && matches(g.when, rp.facts));
  if (rules.length === 0 && ctx.placeholders.size === 0) return null;
  return new StreamGuard(codec, rules, ctx.placeholders, rp.active.role.tier, rp.guardrails);
}

/**
 * The output guardrails of a streamed answer at its end: the guard's verdicts, and a scan of
 * the model's whole text by every rule the guard did not enforce (audit rules, shadow tiers),
 * recorded only: what they would have done, on an answer the client already has.
 */
export async function recordStreamOutput(ctx: RequestContext, rp: RequestPolicy, guard: StreamGuard | null, codec: StreamCodec | null): Promise<void> {
  if (guard) {
    ctx.verdicts.push(...guard.verdicts());
    ctx.phases.output_guardrails = (ctx.phases.output_guardrails ?? 0) + guard.elapsed;
  }
  if (!hasHook(rp, 'llm_output') || ctx.responseJson === null) return;
  const sse = JSON.parse(ctx.responseJson) as string;
  const texts = guard ? guard.texts() : codec ? blockTexts(codec, sse) : [streamText(sse)];
  const handled = guard?.handled ?? new Set<Guardrail>();
  rp.facts.output = texts;
  await timedAsync(ctx, 'output_guardrails', async () => {
    const outcomes = await Promise.all(
      rp.runs.map((run) => {
        const tier = run === rp.active ? { ...run.tier, guardrails: run.tier.guardrails.filter((g) => !handled.has(g)) } : run.tier;
        return runGuardrails(tier, 'llm_output', rp.facts, texts, { ...run.role, enforced: false }, undefined, rp.guardrails);
      }),
    );
    outcomes.forEach((o, i) => {
      ctx.verdicts.push(...o.verdicts);
      const run = rp.runs[i]!;
      if (run !== rp.active && o.verdicts.some(blocks)) run.cutStream = true;
    });
  });
}
