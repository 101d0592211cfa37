import { readFileSync } from 'node:fs';
import { SseSplitter, parseSseEvent } from '../../local-gateway/stream/sse.js';
import type { SseEvent, StreamTranslator } from '../../local-gateway/translate/index.js';
import { TEST_TOKEN, type TestGateway } from './gateway.js';

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

/** POSTs a streamed request and returns each event's `data:` text, as the client received them. */
export async function rawStream(gw: TestGateway, path: string, body: unknown): Promise<{ status: number; headers: Headers; events: string[] }> {
  const res = await fetch(gw.url + path, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' } });
  const text = await res.text();
  const events = text
    .split(/\n\n/)
    .map((e) => e.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'))
    .filter((d) => d !== '');
  return { status: res.status, headers: res.headers, events };
}

/** Drains an SDK stream; the items seen and the error it ended with, if any. */
export async function drain<T>(stream: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: null };
}
