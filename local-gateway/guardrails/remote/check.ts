import { z } from 'zod';
import type { GuardrailCheck, GuardrailFinding } from '../../policy/engine/guardrails.js';
import { textIds } from '../../policy/engine/memo.js';

/** A finding in one piece of text, offsets into that piece. */
export interface Span {
  type: string;
  start: number;
  end: number;
}

/** What the service said about one piece: its findings, and for services that mask, the piece as they rewrote it. */
export interface PieceResult {
  spans: Span[];
  masked?: string;
}

/**
 * One remote service, as the shared plumbing sees it: it classifies pieces of text no longer
 * than `maxChars` and returns one result per piece, in order, batching as its API allows.
 */
export interface RemoteAdapter {
  maxChars: number;
  classify(pieces: readonly string[]): Promise<PieceResult[]>;
}

/** Fields every remote guardrail's config has. */
export const timeoutField = z.number().int().positive().max(60_000).default(1500);

/** A check whose scan always answers later: it waits on the service. */
export interface RemoteCheck extends GuardrailCheck {
  scan(texts: readonly string[]): Promise<GuardrailFinding[]>;
}

interface TextResult {
  spans: Span[];
  /** The whole text as the service rewrote it, when it masked something. */
  masked: string | null;
}

type Key = number | string;

/** Results kept per guardrail: one per long text (by memo id) or short text (by its value). */
const MAX_REMEMBERED = 4096;

/**
 * Cuts a text into pieces of at most `max` UTF-16 units, at a line break or space near the end
 * of each piece when there is one (a word cut in two may read as harmless in both halves),
 * never between the halves of a surrogate pair.
 */
export function pieces(text: string, max: number): { text: string; offset: number }[] {
  if (text.length <= max) return [{ text, offset: 0 }];
  const out: { text: string; offset: number }[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(at + max, text.length);
    if (end < text.length) {
      const floor = at + Math.floor(max * 0.8);
      const nl = text.lastIndexOf('\n', end - 1);
      const sp = text.lastIndexOf(' ', end - 1);
      const cut = nl >= floor ? nl + 1 : sp >= floor ? sp + 1 : end;
      end = cut;
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    }
    out.push({ text: text.slice(at, end), offset: at });
    at = end;
  }
  return out;
}

function joinPieces(parts: readonly { text: string; offset: number }[], results: readonly PieceResult[]): TextResult {
  const spans: Span[] = [];
  let masked: string | null = null;
  results.forEach((r, i) => {
    for (const s of r.spans) spans.push({ type: s.type, start: s.start + parts[i]!.offset, end: s.end + parts[i]!.offset });
  });
  if (results.some((r) => r.masked !== undefined)) masked = results.map((r, i) => r.masked ?? parts[i]!.text).join('');
  return { spans, masked };
}

/** Replaces each span with `[removed:<type>]`; overlapping spans become one. */
function removeSpans(text: string, spans: readonly Span[]): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const s of sorted) {
    if (s.start >= at) out += text.slice(at, s.start) + `[removed:${s.type}]`;
    at = Math.max(at, s.end);
  }
  return out + text.slice(at);
}

/**
 * A guardrail check over a remote service. Each text is classified once: its result is
 * remembered per text (a resent conversation is not sent again), and two tiers scanning the
 * same text at once share one call. Failures are not remembered, so the next request retries.
 */
export function remoteCheck(adapter: RemoteAdapter): RemoteCheck {
  const known = new Map<Key, TextResult | Promise<TextResult>>();
  const remember = (key: Key, value: TextResult | Promise<TextResult>) => {
    known.delete(key);
    known.set(key, value);
    if (known.size > MAX_REMEMBERED) known.delete(known.keys().next().value!);
  };
  const keysOf = (texts: readonly string[]): Key[] => {
    const ids = textIds(texts);
    return texts.map((t, i) => ids[i] ?? `s\u0000${t}`);
  };

  /** Sends the texts not yet known; returns this scan's own results, so a full memo cannot lose them mid-scan. */
  async function classifyNew(texts: readonly string[], keys: readonly Key[]): Promise<Map<Key, Promise<TextResult>>> {
    const mine = new Map<Key, Promise<TextResult>>();
    const fresh = new Map<Key, string>();
    keys.forEach((k, i) => {
      const had = known.get(k);
      if (had !== undefined) {
        // Used again: it moves to the young end, so a live conversation's history stays remembered.
        remember(k, had);
        mine.set(k, Promise.resolve(had));
      }
      // Nothing to judge: not worth a call (and some services refuse an empty text).
      else if (texts[i]!.trim() === '') mine.set(k, Promise.resolve({ spans: [], masked: null }));
      else if (!fresh.has(k)) fresh.set(k, texts[i]!);
    });
    if (fresh.size === 0) return mine;
    const split = [...fresh.values()].map((t) => pieces(t, adapter.maxChars));
    const batch = adapter.classify(split.flat().map((p) => p.text));
    let at = 0;
    [...fresh.keys()].forEach((key, i) => {
      const parts = split[i]!;
      const from = at;
      at += parts.length;
      const pending = batch.then((all) => joinPieces(parts, all.slice(from, from + parts.length)));
      remember(key, pending);
      mine.set(key, pending);
      pending.then(
        (result) => known.get(key) === pending && known.set(key, result),
        () => known.get(key) === pending && known.delete(key),
      );
    });
    await batch;
    return mine;
  }

  return {
    async scan(texts) {
      const keys = keysOf(texts);
      const mine = await classifyNew(texts, keys);
      const results = await Promise.all(keys.map((k) => mine.get(k)!));
      const found: GuardrailFinding[] = [];
      results.forEach((r, i) => {
        for (const s of r.spans) found.push({ type: s.type, text: i, start: s.start, end: s.end });
      });
      return found;
    },
    redact(texts, findings) {
      const keys = keysOf(texts);
      return texts.map((text, i) => {
        const mine = findings.filter((f) => f.text === i);
        if (mine.length === 0) return text;
        const r = known.get(keys[i]!);
        if (r && !(r instanceof Promise) && r.masked !== null) return r.masked;
        return removeSpans(text, mine);
      });
    },
  };
}
