import type { Readable } from 'node:stream';

const line = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);

/**
 * The lines of a stream (LF or CRLF), read a chunk at a time: the next chunk is read only
 * when the consumer asks for more lines, so a million-line input is never held in memory.
 * (readline's async iterator queues every line it has read while the consumer is busy.)
 */
export async function* readLines(input: Readable): AsyncGenerator<string> {
  input.setEncoding('utf8');
  // Pieces of a line that spans chunks, joined once it ends: a 500 KB line arrives in ~8.
  let pending: string[] = [];
  for await (const chunk of input as AsyncIterable<string>) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      yield line(pending.length ? pending.join('') + piece : piece);
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.slice(start));
  }
  if (pending.length) yield line(pending.join(''));
}
