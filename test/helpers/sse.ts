import { TEST_TOKEN, type TestGateway } from './gateway.js';

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
