/**
 * The plumbing the provider stand-ins share: a node:http server on 127.0.0.1 that records
 * each request, and closes with every socket it holds (keep-alive, stalled streams).
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinRequest {
  method: string;
  /** Path without the query string, percent-decoding left as sent. */
  path: string;
  /** The request target's path exactly as sent (for signature checks). */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body text exactly as received. */
  text: string;
  /** Parsed JSON body; undefined when empty or not JSON. */
  body: unknown;
}

export interface StandinServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: StandinRequest[];
  close(): Promise<void>;
}

export type StandinHandler = (req: StandinRequest, res: ServerResponse, raw: IncomingMessage) => Promise<void> | void;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startStandinServer(handler: StandinHandler): Promise<StandinServer> {
  const requests: StandinRequest[] = [];
  const server = createServer((raw, res) => {
    void (async () => {
      const text = await readBody(raw);
      const url = new URL(raw.url ?? '/', 'http://127.0.0.1');
      let body: unknown;
      try {
        body = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        body = undefined;
      }
      const rawPath = (raw.url ?? '/').split('?')[0]!;
      const req: StandinRequest = { method: raw.method ?? 'GET', path: url.pathname, rawPath, query: url.searchParams, headers: raw.headers, text, body };
      requests.push(req);
      await handler(req, res, raw);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `stand-in failure: ${String(err)}` } });
      else res.destroy();
    });
  });
  const port = await listenLoopback(server, 0);
  return { origin: `http://127.0.0.1:${port}`, requests, close: () => closeServer(server) };
}

/** Listens on 127.0.0.1 (port 0: a free one) and returns the port. */
export function listenLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // close() alone waits for keep-alive and stalled streams; tests must not.
    server.closeAllConnections();
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': String(payload.length), ...headers });
  res.end(payload);
}

/** Writes and waits until the bytes are handed to the socket, so events flush apart. */
export function write(res: ServerResponse, data: string | Uint8Array): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.write(data, () => resolve()));
}

/** The text of the last user turn, for echo answers. */
export function echoOf(text: string): string {
  return `echo: ${text}`;
}

/**
 * Relays a request to another stand-in and its answer back as it arrives (streams included);
 * a connection the other side drops is dropped here too, so cut streams stay cut.
 */
export async function forward(res: ServerResponse, url: string, method: string, body: string | undefined): Promise<void> {
  const up = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body || undefined });
  const headers: Record<string, string> = {};
  // fetch has already undone the framing and any compression: those headers no longer apply.
  up.headers.forEach((v, k) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) headers[k] = v;
  });
  res.writeHead(up.status, headers);
  if (!up.body) return void res.end();
  try {
    for await (const chunk of up.body) await write(res, chunk);
    res.end();
  } catch {
    res.destroy();
  }
}
