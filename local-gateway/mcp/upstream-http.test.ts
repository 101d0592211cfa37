import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedAbort, upstreamHttp, type UpstreamHttp } from './upstream-http.js';

/** A real HTTP server on 127.0.0.1 answering the way MCP servers do, one route per case. */
let server: Server;
let base: string;
const seen: { path: string; port: number; body: string; length: string | undefined }[] = [];
let releaseProgress: (() => void) | null = null;
const sse = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const result = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"ok"}]}}';

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/one': (_req, res) => {
    res.writeHead(200, { ...sse, 'mcp-session-id': 'up-1' });
    res.write(`event: message\ndata: ${result}\n\n`);
    res.end();
  },
  '/progress': (_req, res) => {
    res.writeHead(200, sse);
    res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}\n\n');
    releaseProgress = () => res.end(`event: message\ndata: ${result}\n\n`);
  },
  '/big': (_req, res) => {
    res.writeHead(200, sse);
    res.end(`data: ${'x'.repeat(5000)}\n\n`);
  },
  '/json': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(result);
  },
  '/odd-status': (req, res) => {
    req.socket.write('HTTP/1.1 999 Odd\r\ncontent-length: 0\r\n\r\n');
    res.socket?.destroy();
  },
  '/cut': (_req, res) => {
    res.writeHead(200, sse);
    res.write('data: {"jsonrpc":"2.0",');
    setImmediate(() => res.socket?.destroy());
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', port: req.socket.remotePort ?? 0, body: Buffer.concat(chunks).toString(), length: req.headers['content-length'] });
      routes[req.url ?? '']!(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (http: UpstreamHttp, path: string, signal?: AbortSignal) =>
  http.fetch(new URL(path, base), { method: 'POST', headers: new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }), body: '{"jsonrpc":"2.0","id":1,"method":"tools/call"}', redirect: 'manual', ...(signal ? { signal } : {}) });

describe('the upstream fetch', () => {
  it('hands a one-message event stream over as JSON, on one kept-alive connection', async () => {
    const http = upstreamHttp(1 << 20, () => undefined);
    try {
      const a = await post(http, '/one');
      expect(a.headers.get('content-type')).toBe('application/json');
      expect(a.headers.get('mcp-session-id')).toBe('up-1');
      expect(await a.text()).toBe(result);
      await (await post(http, '/json')).text();
      const [first, second] = seen.slice(-2);
      expect(first!.body).toBe('{"jsonrpc":"2.0","id":1,"method":"tools/call"}');
      expect(first!.length).toBe(String(first!.body.length));
      expect(second!.port).toBe(first!.port);
    } finally {
      http.close();
    }
  });

  it('streams an answer that goes on (progress first) from its first byte, as it comes', async () => {
    const http = upstreamHttp(1 << 20, () => undefined);
    try {
      const r = await post(http, '/progress');
      expect(r.headers.get('content-type')).toBe('text/event-stream');
      const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
      expect((await reader.read()).value).toContain('notifications/progress');
      releaseProgress!();
      let rest = '';
      for (let c = await reader.read(); !c.done; c = await reader.read()) rest += c.value;
      expect(rest).toBe(`event: message\ndata: ${result}\n\n`);
    } finally {
      http.close();
    }
  });

  it('fails an answer over the cap, and says so to the upstream', async () => {
    let told = 0;
    const http = upstreamHttp(1000, () => void told++);
    try {
      await expect(post(http, '/big')).rejects.toThrow(/too large/);
      expect(told).toBe(1);
    } finally {
      http.close();
    }
  });

  it('fails an answer the upstream cuts short, or one with a status no answer can have, instead of waiting or throwing', async () => {
    const http = upstreamHttp(1 << 20, () => undefined);
    try {
      await expect(post(http, '/cut')).rejects.toThrow();
      await expect(post(http, '/odd-status')).rejects.toThrow(/HTTP status 999/);
    } finally {
      http.close();
    }
  });

  it('leaves no listener on a signal shared by many exchanges, and aborts the one running', async () => {
    const http = upstreamHttp(1 << 20, () => undefined);
    const transportWide = new AbortController();
    try {
      for (let i = 0; i < 3; i++) await (await post(http, '/one', transportWide.signal)).text();
      expect(getEventListeners(transportWide.signal, 'abort')).toHaveLength(0);
      const running = post(http, '/progress', transportWide.signal);
      const body = (await running).text();
      transportWide.abort(new Error('closing'));
      await expect(body).rejects.toThrow();
      expect(getEventListeners(transportWide.signal, 'abort')).toHaveLength(0);
    } finally {
      http.close();
    }
  });
});

describe('SharedAbort', () => {
  it('puts one listener on a signal for any number of exchanges, drops it after the last, and tells those still running when it aborts', () => {
    const shared = new SharedAbort();
    const ctl = new AbortController();
    const fired: number[] = [];
    const unwatch = Array.from({ length: 20 }, (_, i) => shared.watch(ctl.signal, () => fired.push(i)));
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(1);
    unwatch.forEach((u) => u());
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
    shared.watch(ctl.signal, () => fired.push(100));
    const gone = shared.watch(ctl.signal, () => fired.push(101));
    gone();
    ctl.abort();
    expect(fired).toEqual([100]);
  });
});

