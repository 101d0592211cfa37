import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

/**
 * A request still running when the gateway closes ends normally, and its keep-alive socket does
 * not then hold the close for the keep-alive timeout (ten minutes here, past the test's timeout).
 */
let upstream: OpenAIStandin;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ delayHeadersMs: 300 });
  gw = await startGateway({
    providers: [{ id: 'up', kind: 'openai', base_url: upstream.url, api_key: 'env:UPSTREAM_KEY' }],
    limits: { keep_alive_timeout_ms: 600_000 },
  });
});
afterAll(async () => {
  await upstream.close();
});

it('a close that begins during a request finishes once the request is answered', async () => {
  const answer = fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'up/slow', messages: [{ role: 'user', content: 'hold on' }] }),
  });
  await waitFor(() => upstream.requests.length === 1, 'the request to reach the upstream');
  const closed = gw.close();
  const res = await answer;
  expect(res.status).toBe(200);
  expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
  await closed;
  expect(gw.app.server.listening).toBe(false);
});

it('a connection that has sent nothing yet does not hold the close for the headers timeout', async () => {
  // Five minutes, past the test's timeout: Node counts such a connection as neither idle nor done.
  const g = await startGateway({ limits: { headers_timeout_ms: 300_000, request_timeout_ms: 600_000 } });
  const { port } = new URL(g.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await g.close();
  await ended;
  expect(g.app.server.listening).toBe(false);
});
