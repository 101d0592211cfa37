import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BodyStore, decodeBody, encodeBody, INLINE_LIMIT } from './bodies.js';
import { closeDatabase, openDatabase } from './db.js';
import { TraceStore } from './traces.js';
import { makeTrace, tempDir, text } from './testing.js';

/** An in-memory blob table, to test the encoding alone. */
function memory(): { intern: (d: string) => number; fetch: (id: number) => string; blobs: string[] } {
  const blobs: string[] = [];
  const ids = new Map<string, number>();
  return {
    blobs,
    intern: (d) => ids.get(d) ?? (ids.set(d, blobs.push(d) - 1), blobs.length - 1),
    fetch: (id) => blobs[id]!,
  };
}

/** Deep equality that also compares key order at every level. */
function expectExact(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

const cases: [string, unknown][] = [
  ['a chat request with key order not i/a/b', { stream: true, messages: [{ role: 'user', content: 'hi' }], model: 'gpt-4o', tools: [] }],
  ['nested objects and a large non-array field', { model: 'm', response_format: { type: 'json_schema', json_schema: { name: 's', schema: { props: text(1, 400) } } }, n: 1 }],
  ['unicode and escapes', { messages: [{ role: 'user', content: 'héllo 👋 日本語 "quoted" \\ \n\t \u0000' }], ['ключ']: 'значение' }],
  ['empty arrays and objects', { messages: [], tools: [], metadata: {} }],
  ['integer-like keys', { 2: 'b', 1: 'a', z: [1, 2], 10: { x: null } }],
  ['a "__proto__" key', JSON.parse('{"__proto__":{"polluted":true},"a":[1]}') as unknown],
  ['arrays of non-objects', { input: ['one', 2, null, true, [3, [4]]] }],
  ['an SSE event stream', 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: [DONE]\n\n'],
  ['an empty string', ''],
  ['a top-level array', [{ a: 1 }, 'b']],
  ['null', null],
  ['a number', 42.5],
  ['an empty object', {}],
];

describe('encodeBody / decodeBody', () => {
  it.each(cases)('round-trips %s exactly', (_name, body) => {
    const m = memory();
    expectExact(decodeBody(encodeBody(body, m.intern), m.fetch), body);
  });

  it('keeps no body as no body', () => {
    const m = memory();
    expect(encodeBody(undefined, m.intern)).toBeNull();
    expect(decodeBody(null, m.fetch)).toBeUndefined();
  });

  it('stores array elements and large fields as blobs, small fields inline', () => {
    const m = memory();
    const big = text(7, INLINE_LIMIT);
    const skel = JSON.parse(encodeBody({ model: 'm', system: big, messages: [{ a: 1 }, { a: 1 }] }, m.intern)!) as unknown;
    expect(skel).toEqual({ i: { model: 'm' }, a: { messages: [1, 1] }, b: { system: 0 }, k: ['model', 'system', 'messages'] });
    expect(m.blobs).toEqual([JSON.stringify(big), '{"a":1}']);
  });
});

describe('BodyStore on SQLite', () => {
  const t = tempDir();
  const db = openDatabase(t.file);
  afterAll(() => {
    closeDatabase(db);
    t.cleanup();
  });

  it.each(cases)('round-trips %s exactly', (_name, body) => {
    const bodies = new BodyStore(db);
    const skel = db.transaction(() => bodies.put(body))();
    expectExact(bodies.get(skel), body);
  });

  it('stores a repeated piece of content once', () => {
    const bodies = new BodyStore(db);
    const count = db.prepare('SELECT count(*) FROM blobs').pluck();
    const body = { messages: [{ role: 'user', content: 'unique-1' }, { role: 'user', content: 'unique-1' }] };
    const before = count.get() as number;
    db.transaction(() => [bodies.put(body), bodies.put(body)])();
    expect(count.get()).toBe(before + 1);
  });
});

describe('a growing 50-turn conversation', () => {
  it('takes at most 1.6× the bytes of its unique content on disk, besides the list previews and the search index', () => {
    const t = tempDir();
    const db = openDatabase(t.file);
    const store = new TraceStore(db);
    const messages: unknown[] = [];
    const unique = new Set<string>();
    let responseBytes = 0;
    for (let turn = 0; turn < 50; turn++) {
      messages.push({ role: 'user', content: text(turn * 2, 2000) });
      const assistant = { role: 'assistant', content: text(turn * 2 + 1, 1000) };
      const response = {
        id: `chatcmpl-${turn}`, object: 'chat.completion', model: 'gpt-4o-mini',
        choices: [{ index: 0, message: assistant, finish_reason: 'stop' }],
        usage: { prompt_tokens: 500 * turn, completion_tokens: 250, total_tokens: 500 * turn + 250 },
      };
      store.insert(makeTrace({ request_body: { model: 'gpt-4o-mini', messages: [...messages] }, response_body: response }));
      responseBytes += Buffer.byteLength(JSON.stringify(response));
      messages.push(assistant);
    }
    for (const m of messages) unique.add(JSON.stringify(m));
    const messageBytes = [...unique].reduce((n, m) => n + Buffer.byteLength(m), 0);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytes = statSync(t.file).size;
    // Each response is unique content too: it repeats the assistant message inside a
    // completion envelope, which top-level dedupe does not share with the next request.
    const ratio = fileBytes / (messageBytes + responseBytes);
    console.log(`50 turns: file ${fileBytes} B, unique messages ${messageBytes} B, responses ${responseBytes} B, ratio ${ratio.toFixed(3)} (${(fileBytes / messageBytes).toFixed(3)} of messages alone)`);
    // The list previews (migration 6: the ask and the answer, ≤160 characters each, and the
    // session with its filter tag) are a feature of their own with a budget of their own; the
    // bodies and everything else keep theirs.
    const previewBytes = db
      .prepare<[], number>(`SELECT coalesce(sum(length(coalesce(ask, '')) + length(coalesce(answer, '')) + 2 * length(coalesce(session, ''))), 0) FROM traces`)
      .pluck()
      .get()!;
    const previewRatio = previewBytes / (messageBytes + responseBytes);
    // The search index (migration 9) too: the message text's trigrams and the blob-to-trace links.
    const searchBytes = db
      .prepare<[], number>(`SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'trace_text%' OR name LIKE 'blob_text%' OR name LIKE 'blob_traces%'`)
      .pluck()
      .get()!;
    // FTS5 merges its segments as it grows, leaving free pages behind (reused, and given back by retention's vacuum): they count as the index's.
    const indexBytes = searchBytes + (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    console.log(`previews ${previewBytes} B, search index ${indexBytes} B (${(indexBytes / messageBytes).toFixed(3)} of messages), ratio without them ${((fileBytes - previewBytes - indexBytes) / (messageBytes + responseBytes)).toFixed(3)}`);
    // 1.48× before migration 4; its list-filter tags (models, provider, each metadata pair) add ~0.04×.
    expect((fileBytes - previewBytes - indexBytes) / (messageBytes + responseBytes)).toBeLessThanOrEqual(1.6);
    // Each message is indexed once, however many turns resend it: about the size of the messages.
    expect(indexBytes / messageBytes).toBeLessThanOrEqual(1.5);
    // On these 3 KB turns; real agent turns carry megabytes of history for the same two lines.
    expect(previewRatio).toBeLessThanOrEqual(0.1);
    // Sanity: without dedupe the requests alone would be ~25× the messages.
    expect(store.get(store.list({ limit: 1 }).traces[0]!.id)!.request_body).toEqual({ model: 'gpt-4o-mini', messages: messages.slice(0, -1) });
    closeDatabase(db);
    t.cleanup();
  });
});
