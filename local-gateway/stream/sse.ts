import { GatehouseError } from '../core/errors.js';

/**
 * Splits a byte stream into server-sent events without decoding or re-encoding them, so
 * each event can be forwarded the moment its blank line arrives, byte for byte.
 */
export class SseSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** The complete events in this chunk, each with its terminating blank line. */
  push(chunk: Uint8Array): Buffer[] {
    const scanFrom = Math.max(0, this.pending.length - 2);
    const buf = this.pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.pending, chunk]);
    const events: Buffer[] = [];
    let start = 0;
    let i = buf.indexOf(0x0a, scanFrom);
    while (i !== -1) {
      let end = -1;
      if (buf[i + 1] === 0x0a) end = i + 2;
      else if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) end = i + 3;
      if (end !== -1) {
        events.push(buf.subarray(start, end));
        start = end;
        i = buf.indexOf(0x0a, end);
      } else {
        i = buf.indexOf(0x0a, i + 1);
      }
    }
    // Copy the remainder: it must not pin the whole upstream chunk in memory.
    this.pending = start === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(start));
    return events;
  }

  /** Bytes of an event the stream ended in the middle of, if any. */
  rest(): Buffer | null {
    return this.pending.length > 0 ? this.pending : null;
  }
}

/** The joined `data:` lines of one event, or null when it has none. */
export function sseData(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

/** The event name and data of one event, or null for an event without data (a comment, a keep-alive). */
export function parseSseEvent(event: string): { event: string | null; data: string } | null {
  let name: string | null = null;
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith('event:')) name = line.slice(line.charCodeAt(6) === 0x20 ? 7 : 6);
    else if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5);
      data = data === null ? value : `${data}\n${value}`;
    }
  }
  return data === null ? null : { event: name, data };
}

const BLANK = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Refuses an event whose data cannot be a JSON object: a cut-off or garbage line would crash
 * the client's SDK (`JSON.parse`), so the stream ends with a clean error event instead.
 * Deltas are most of a stream and the gateway relays them unread: only their framing (the
 * braces) is checked, which catches a truncated line without parsing each one.
 */
export function checkEventData(data: string): void {
  let start = 0;
  let end = data.length - 1;
  while (start <= end && BLANK.has(data.charCodeAt(start))) start++;
  while (end >= start && BLANK.has(data.charCodeAt(end))) end--;
  if (data.charCodeAt(start) === 0x7b && data.charCodeAt(end) === 0x7d) return;
  throw badEvent();
}

/** The error for a stream event the gateway could not read; the event itself is in the trace. */
export function badEvent(): GatehouseError {
  return new GatehouseError('GH_ERR_UPSTREAM_BAD_RESPONSE', 'The provider sent a stream event that is not a JSON object: retry the request, or report it with the trace id.');
}
