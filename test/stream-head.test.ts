/**
 * When a streamed answer's head reaches the client: a provider that sends its headers before
 * its first event (a model still thinking) has the client see the stream open at once. (One
 * whose first events came with its headers has them relayed with the head in one write.)
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, upstreamConfig, type TestGateway } from './helpers/gateway.js';

const chunk = (content: string, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
const EVENTS = `${chunk('hello', null)}${chunk('', 'stop')}data: [DONE]\n\n`;

let upstream: Server;
let gw: TestGateway;
/** Releases the held answer of the `held` model: its events follow its head once this is called. */
let release: () => void = () => {};

beforeAll(async () => {
  upstream = createServer((req, res: ServerResponse) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString('utf8')));
    req.on('end', () => {
      const { model } = JSON.parse(text) as { model: string };
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      if (model === 'held') {
        res.flushHeaders();
        release = () => res.end(EVENTS);
      } else {
        res.end(EVENTS);
      }
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  gw = await startGateway(upstreamConfig(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`));
});
afterAll(async () => {
  await gw.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const body = (model: string) => JSON.stringify({ model: `up/${model}`, stream: true, messages: [{ role: 'user', content: 'hi' }] });

describe('a streamed answer', () => {
  it('has its head at the client while the provider has sent only its own', async () => {
    // fetch resolves on the response head: the provider's events are held until it has.
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: body('held'),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gatehouse-trace-id')).toBeTruthy();
    release();
    const text = await res.text();
    expect(text).toContain('"content":"hello"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});
