import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TracePage } from '../local-gateway/admin/schemas.js';
import { spawnGateway, type RunningGateway } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';
import { sseEvents } from './helpers/sse.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

/**
 * A stop must not lose the requests it cuts: each one ends with its API's error event and
 * becomes a trace (GH_ERR_SHUTDOWN), and the stop says how many it cut. The stand-in's
 * `slow-stream` sends one word every 200 ms, so a long prompt streams far past the grace.
 */
const TOKEN = 'gh_local_shutdown_test_token_0123456789';
const LONG = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');

let upstream: OpenAIStandin;
let home: string;
const running: RunningGateway[] = [];

beforeAll(async () => {
  upstream = await startOpenAIStandin();
  home = mkdtempSync(join(tmpdir(), 'gatehouse-shutdown-'));
  // Chat only upstream: Responses and Messages streams are translated, as for most providers.
  writeFileSync(join(home, 'gatehouse.yaml'), `providers:\n  - id: up\n    kind: openai\n    base_url: ${upstream.url}\n    api_key: env:SHUTDOWN_TEST_KEY\n    apis: [chat.completions]\n`);
});
afterEach(() => {
  for (const g of running.splice(0)) if (g.child.exitCode === null) g.child.kill('SIGKILL');
});
afterAll(async () => {
  await upstream.close();
  rmSync(home, { recursive: true, force: true });
});

async function gateway(graceMs: number): Promise<RunningGateway> {
  const gw = await spawnGateway(['--home', home], { GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_STOP_GRACE_MS: String(graceMs), SHUTDOWN_TEST_KEY: 'sk-test' });
  running.push(gw);
  return gw;
}

/** A streamed request whose text is read as it arrives; `text()` is everything the client got. */
interface OpenStream {
  received: () => string;
  ended: Promise<string>;
}

async function openStream(gw: RunningGateway, path: string, body: Record<string, unknown>): Promise<OpenStream> {
  const res = await fetch(gw.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(res.status).toBe(200);
  let text = '';
  const decoder = new TextDecoder();
  const ended = (async () => {
    // A dropped connection ends the read with an error; what arrived before it is the point.
    try {
      for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch {
      /* judged by the text */
    }
    return text;
  })();
  return { received: () => text, ended };
}

const exited = (gw: RunningGateway) => new Promise<number | null>((resolve) => (gw.child.exitCode !== null ? resolve(gw.child.exitCode) : gw.child.once('exit', (code) => resolve(code))));

async function tracesAfterRestart(): Promise<TracePage['traces']> {
  const gw = await gateway(5000);
  const res = await fetch(`${gw.url}/api/traces?limit=50`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const page = (await res.json()) as TracePage;
  gw.child.kill('SIGTERM');
  await exited(gw);
  return page.traces;
}

const dataOf = (text: string) => sseEvents(text).map((e) => ({ event: e.event, data: e.data === '[DONE]' ? e.data : (JSON.parse(e.data) as Record<string, unknown>) }));

describe('a stop with requests still open', { timeout: 60_000 }, () => {
  it('past the grace, cuts every stream with its API error event, traces each, and says how many', async () => {
    const gw = await gateway(300);
    const chat = await openStream(gw, '/v1/chat/completions', { model: 'up/slow-stream', messages: [{ role: 'user', content: LONG }] });
    const responses = await openStream(gw, '/v1/responses', { model: 'up/slow-stream', input: LONG });
    const messages = await openStream(gw, '/v1/messages', { model: 'up/slow-stream', max_tokens: 1000, messages: [{ role: 'user', content: LONG }] });
    // Each stream has answer text under way before the stop.
    await waitFor(() => [chat, responses, messages].every((s) => s.received().includes('w1')), 'text on every stream');
    // And one plain request still waiting for the provider's headers (`slow` waits 2 s).
    const waiting = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up/slow', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await waitFor(() => upstream.requests.some((r) => (r.body as { model?: string } | undefined)?.model === 'slow'), 'the slow call upstream');
    gw.child.kill('SIGTERM');
    const plain = await waiting;
    expect(plain.status).toBe(503);
    expect(await plain.json()).toMatchObject({ error: { code: 'GH_ERR_SHUTDOWN' } });

    const [chatText, responsesText, messagesText] = await Promise.all([chat.ended, responses.ended, messages.ended]);
    const chatEvents = dataOf(chatText);
    expect(chatEvents.at(-1)!.data).toMatchObject({ error: { code: 'GH_ERR_SHUTDOWN' } });
    const failed = dataOf(responsesText).map((e) => e.data as Record<string, unknown>);
    expect(failed.some((d) => d.type === 'error' && d.code === 'GH_ERR_SHUTDOWN')).toBe(true);
    expect(failed.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'GH_ERR_SHUTDOWN' } } });
    const anthropic = dataOf(messagesText).at(-1)!;
    expect(anthropic.event).toBe('error');
    expect(anthropic.data).toMatchObject({ type: 'error', error: { message: expect.stringContaining('Gatehouse stopped') } });

    expect(await exited(gw)).toBe(0);
    expect(gw.stderr()).toContain('Gatehouse cut 4 open requests');

    const cut = (await tracesAfterRestart()).filter((t) => t.error_code === 'GH_ERR_SHUTDOWN');
    expect(cut.map((t) => `${t.api}${t.stream ? ' stream' : ''}`).sort()).toEqual(['chat.completions', 'chat.completions stream', 'messages stream', 'responses stream']);
    for (const t of cut) expect(t).toMatchObject({ status: 503, provider: 'up' });
  });

  it('a second Ctrl-C cuts at once, and the cut request is still traced', async () => {
    const gw = await gateway(60_000);
    const chat = await openStream(gw, '/v1/chat/completions', { model: 'up/slow-stream', messages: [{ role: 'user', content: `second ${LONG}` }] });
    await waitFor(() => chat.received().includes('w1'), 'text on the stream');
    gw.child.kill('SIGINT');
    await waitFor(() => gw.stderr().includes('press Ctrl-C again'), 'the stopping line');
    gw.child.kill('SIGINT');
    const text = await chat.ended;
    expect(dataOf(text).at(-1)!.data).toMatchObject({ error: { code: 'GH_ERR_SHUTDOWN' } });
    expect(await exited(gw)).toBe(1);
    expect(gw.stderr()).toContain('Gatehouse cut 1 open request ');
    // Newest first: the stream this test cut.
    const [cut] = await tracesAfterRestart();
    expect(cut).toMatchObject({ status: 503, stream: true, api: 'chat.completions', error_code: 'GH_ERR_SHUTDOWN' });
  });

  it('a request that finishes within the grace is not cut', async () => {
    const gw = await gateway(20_000);
    const chat = await openStream(gw, '/v1/chat/completions', { model: 'up/slow-stream', messages: [{ role: 'user', content: 'a b c d' }] });
    await waitFor(() => chat.received().includes('"a'), 'text on the stream');
    gw.child.kill('SIGTERM');
    const text = await chat.ended;
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await exited(gw)).toBe(0);
    expect(gw.stderr()).not.toContain('Gatehouse cut');
  });
});
