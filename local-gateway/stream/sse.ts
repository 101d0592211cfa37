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
