import { readFileSync } from 'node:fs';
import { SseSplitter, parseSseEvent } from '../../local-gateway/stream/sse.js';
import type { SseEvent, StreamTranslator } from '../../local-gateway/translate/index.js';

/** The events of an SSE text, in order. */
export function sseEvents(text: string): SseEvent[] {
  const splitter = new SseSplitter();
  const raw = splitter.push(Buffer.from(text));
  const rest = splitter.rest();
  if (rest) raw.push(rest);
  return raw.map((b) => parseSseEvent(b.toString('utf8'))).filter((e): e is SseEvent => e !== null);
}

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/anthropic/${name}`, import.meta.url), 'utf8');
}

/** Runs a transcript through a translator; returns each output event's name and parsed data. */
export function replay(translator: StreamTranslator, text: string): { event: string | null; data: Record<string, unknown> | '[DONE]' }[] {
  const out = [...sseEvents(text).flatMap((ev) => translator.event(ev)), ...translator.end()];
  return sseEvents(out.join('')).map((ev) => ({ event: ev.event, data: ev.data === '[DONE]' ? '[DONE]' : (JSON.parse(ev.data) as Record<string, unknown>) }));
}
