import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GatehouseError } from '../core/errors.js';
import { createPool, readText, send, type LazyPool } from './http.js';

const TIMEOUTS = { connect_ms: 5_000, headers_ms: 5_000, idle_ms: 5_000 };
const CHUNKS = 40;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Writes `CHUNKS` lines one write at a time; `written` resolves once all are on the wire (the end included). */
function chunkedServer(): Promise<{ pool: LazyPool; written: () => Promise<void> }> {
  let done: () => void = () => undefined;
  let written = new Promise<void>((resolve) => (done = resolve));
  const server: Server = createServer((_req, res: ServerResponse) => {
    written = new Promise<void>((resolve) => (done = resolve));
    res.writeHead(200, { 'content-type': 'text/plain' });
    const next = (i: number): void => {
      if (i === CHUNKS) return void res.end(() => done());
      res.write(`line ${i}\n`, () => setImmediate(() => next(i + 1)));
    };
    next(0);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const pool = createPool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, TIMEOUTS);
      cleanups.push(async () => {
        await pool.close();
        await new Promise((r) => server.close(r));
      });
      resolve({ pool, written: () => written });
    });
  });
}

const expected = Array.from({ length: CHUNKS }, (_, i) => `line ${i}\n`).join('');
const get = (pool: LazyPool, signal = new AbortController().signal) => send(pool, { providerId: 'p', method: 'GET', path: '/', headers: {}, signal });

describe('send', () => {
  it('hands over a body that arrived, and paused the connection, before anyone read it', async () => {
    const { pool, written } = await chunkedServer();
    const up = await get(pool);
    // Everything is sent before the first read: the response is paused and resumed with data (and its end) waiting.
    await written();
    expect(await readText(up.body)).toBe(expected);
  });

  it('reads a whole body as text the same way', async () => {
    const { pool, written } = await chunkedServer();
    const up = await get(pool);
    await written();
    expect(await up.text()).toBe(expected);
  });

  it('a client that leaves stops the body with a coded error', async () => {
    const { pool } = await chunkedServer();
    const controller = new AbortController();
    const up = await get(pool, controller.signal);
    const read = readText(up.body);
    controller.abort();
    await expect(read).rejects.toMatchObject({ code: 'GH_ERR_CLIENT_CLOSED' });
    await expect(read).rejects.toBeInstanceOf(GatehouseError);
  });

  it('an aborted signal fails the call before anything is sent', async () => {
    const { pool } = await chunkedServer();
    await expect(get(pool, AbortSignal.abort())).rejects.toMatchObject({ code: 'GH_ERR_CLIENT_CLOSED' });
  });
});
