import { readFileSync } from 'node:fs';
import { parseSseEvent, SseSplitter } from '../../local-gateway/stream/sse.js';
import type { SseEvent, StreamTranslator } from '../../local-gateway/translate/types.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

/** The events of an SSE text, as an upstream would deliver them. */
export function sseEvents(text: string): SseEvent[] {
  return new SseSplitter()
    .push(Buffer.from(text))
    .map((b) => parseSseEvent(b.toString('utf8')))
    .filter((e): e is SseEvent => e !== null);
}

export interface ClientEvent {
  event: string | null;
  data: Record<string, unknown> & { type: string; sequence_number: number };
}

/** Runs a recorded upstream transcript through a translator; returns the client events, parsed. */
export function translateTranscript(t: StreamTranslator, text: string): ClientEvent[] {
  const out = [...sseEvents(text).flatMap((e) => t.event(e)), ...t.end()];
  return out.flatMap((s) => sseEvents(s)).map((e) => ({ event: e.event, data: JSON.parse(e.data) as ClientEvent['data'] }));
}

/** Ids `<prefix>_1`, `<prefix>_2`…: exact transcripts. */
export function counterIds(): (prefix: string) => string {
  let n = 0;
  return (prefix) => `${prefix}_${++n}`;
}
