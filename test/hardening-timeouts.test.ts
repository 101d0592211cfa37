/**
 * Server timeouts (gatehouse.yaml `limits:`): a client that sends its headers or its body too
 * slowly is cut with a 408, an idle keep-alive connection is closed, and none of it ever cuts
 * a long streamed answer. The limits here are tiny so the test runs fast; the clients pace
 * their bytes on a timer and the test waits for the connection to close, never for a time.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { startGateway, TEST_TOKEN, upstreamConfig, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const LIMIT_MS = 150;
let upstream: OpenAIStandin;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway({ ...upstreamConfig(upstream.url), limits: { headers_timeout_ms: LIMIT_MS, request_timeout_ms: LIMIT_MS, keep_alive_timeout_ms: LIMIT_MS } });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

interface Exchange {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  closed: Promise<string>;
  /** Bytes the client had sent when the server closed the connection. */
  sent(): number;
}

/** Opens a connection that sends `data` one byte per tick (20 ms), as a slowloris client does, until the server hangs up. */
function trickle(data: string, upfront = 0): Exchange {
  const { port } = new URL(gw.url);
  const socket = connect(Number(port), '127.0.0.1');
  let sent = 0;
  let out = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(data.slice(0, upfront));
    sent = upfront;
    timer = setInterval(() => {
      if (sent >= data.length || socket.destroyed) return;
      socket.write(data[sent]!);
      sent += 1;
    }, 20);
  });
  socket.on('data', (d) => (out += d.toString('utf8')));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(out);
    }),
  );
  return { socket, closed, sent: () => sent };
}

function answer(raw: string): { status: number; body: unknown } {
  const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(raw);
  if (!m) throw new Error(`not an HTTP answer: ${raw.slice(0, 200)}`);
  return { status: Number(m[1]), body: JSON.parse(m[2]!) as unknown };
}

describe('slow clients are cut; long answers are not', () => {
  it('a slowloris client sending its headers byte by byte is cut with a 408 before it finishes', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nauthorization: Bearer ${TEST_TOKEN}\r\nx-pad: ${'a'.repeat(200)}\r\n\r\n`;
    const ex = trickle(head);
    const raw = await ex.closed;
    expect(ex.sent()).toBeLessThan(head.length);
    const r = answer(raw);
    expect(r.status).toBe(408);
    expect(r.body).toMatchObject({ error: { code: 'GH_ERR_CLIENT_TIMEOUT', type: 'invalid_request_error' } });
  });

  it("a body that trickles is cut with a 408 in the API's error shape", async () => {
    const body = JSON.stringify({ model: 'up/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(300) }] });
    const head = `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${TEST_TOKEN}\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const ex = trickle(head + body, head.length);
    const r = answer(await ex.closed);
    expect(ex.sent()).toBeLessThan(head.length + body.length);
    expect(r.status).toBe(408);
    expect(r.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('not received in time') } });
  });

  it('an idle keep-alive connection is closed after its answer', async () => {
    const ex = trickle('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nconnection: keep-alive\r\n\r\n', Infinity);
    const raw = await ex.closed;
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(raw).toMatch(/keep-alive/i);
  });

  it('a stream with gaps longer than every timeout runs to its end', async () => {
    // 15 pieces 200 ms apart: about 3 s, each gap longer than the 150 ms limits.
    const words = Array.from({ length: 14 }, (_, i) => `w${i}`).join(' ');
    const stream = await gw.client.chat.completions.create({ model: 'up/slow-stream', messages: [{ role: 'user', content: words }], stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toContain('w13');
    expect(finish).toBe('stop');
  }, 30_000);

  it('the limits are in gatehouse.yaml, and headers cannot outlast the request', () => {
    expect(ConfigSchema.parse({}).limits).toEqual({ body_mb: 32, headers_timeout_ms: 10_000, request_timeout_ms: 60_000, keep_alive_timeout_ms: 30_000 });
    const r = ConfigSchema.safeParse({ limits: { headers_timeout_ms: 5000, request_timeout_ms: 1000 } });
    expect(r.success).toBe(false);
  });
});
