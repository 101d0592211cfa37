import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from './lines.js';

async function collect(chunks: (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readLines(Readable.from(chunks))) out.push(l);
  return out;
}

describe('readLines', () => {
  it('splits LF and CRLF lines across chunk boundaries, keeping empty lines and a last line without newline', async () => {
    expect(await collect(['a\r\nb', 'c\n\nd', 'e', '\r\nlast'])).toEqual(['a', 'bc', '', 'de', 'last']);
    expect(await collect(['only\n'])).toEqual(['only']);
    expect(await collect([])).toEqual([]);
  });

  it('decodes a UTF-8 character split between two chunks', async () => {
    const bytes = Buffer.from('😀 ok\n', 'utf8');
    expect(await collect([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['😀 ok']);
  });

  it('reads the next chunk only when the consumer asks for more lines', async () => {
    let read = 0;
    const input = new Readable({
      highWaterMark: 4,
      read() {
        read++;
        this.push(read > 1000 ? null : `line ${read}\n`);
      },
    });
    const it = readLines(input);
    expect((await it.next()).value).toBe('line 1');
    // A few chunks are buffered ahead by the stream, never the whole input.
    expect(read).toBeLessThan(10);
    await it.return(undefined);
  });
});
