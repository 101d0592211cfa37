import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { sendJson, startStandinServer, write, type StandinServer } from './standins/http-server.js';

let gw: TestGateway;
let quoting: StandinServer;

/** An OpenAI-compatible provider whose answers quote its own key: whole when not streamed, split across two deltas when streamed. */
async function startQuotingProvider(): Promise<StandinServer> {
  return startStandinServer(async (req, res) => {
    const body = req.body as { stream?: boolean; model: string };
    const cut = 10;
    if (!body.stream) {
      return sendJson(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: `my key is ${UPSTREAM_KEY}.` }, finish_reason: 'stop' }] });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    await write(res, chunk('my key is '));
    await write(res, chunk(UPSTREAM_KEY.slice(0, cut)));
    // The second half escaped, as some servers write non-ASCII-safe JSON.
    await write(res, `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${[...UPSTREAM_KEY.slice(cut)].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}."},"finish_reason":null}]}\n\n`);
    await write(res, `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
    await write(res, 'data: [DONE]\n\n');
    res.end();
  });
}

beforeAll(async () => {
  quoting = await startQuotingProvider();
  gw = await startGateway({ providers: [{ id: 'q', kind: 'openai', base_url: `${quoting.origin}/v1`, api_key: 'env:UPSTREAM_KEY' }] });
});
afterAll(async () => {
  await gw.close();
  await quoting.close();
});

const unicodeEscape = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
/** The ways a client writes a secret inside a JSON string without writing it plainly. */
const ESCAPED = (secret: string) => [unicodeEscape(secret[0]!) + secret.slice(1), secret.slice(0, -1) + unicodeEscape(secret.at(-1)!), unicodeEscape(secret)];

/** Every file under the home, as text with JSON escapes decoded: a secret must appear in none, in any encoding. */
function homeHolds(secret: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const text = readFileSync(path, 'latin1').replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
        if (text.includes(secret)) found.push(path);
      }
    }
  };
  walk(gw.home);
  return found;
}

async function send(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, { method: 'POST', body, headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, text, trace: res.headers.get('x-gatehouse-trace-id') };
}

const decoded = (text: string) => text.replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('a secret written with JSON escapes is masked in what is stored and returned', () => {
  it('on chat and Messages, the local token and the provider key, in every escaped form', async () => {
    const ids: string[] = [];
    for (const secret of [TEST_TOKEN, UPSTREAM_KEY]) {
      for (const form of ESCAPED(secret)) {
        const chat = await send('/v1/chat/completions', `{"model":"demo/echo","messages":[{"role":"user","content":"key ${form} here"}]}`);
        expect(chat.status).toBe(200);
        const messages = await send('/v1/messages', `{"model":"demo/echo","max_tokens":20,"messages":[{"role":"user","content":"key ${form} here"}]}`, { 'anthropic-version': '2023-06-01' });
        expect(messages.status).toBe(200);
        const meta = await send('/v1/chat/completions', '{"model":"demo/echo","messages":[{"role":"user","content":"x"}]}', { 'x-gatehouse-metadata': `{"note":"${form}"}` });
        expect(meta.status).toBe(200);
        ids.push(chat.trace!, messages.trace!, meta.trace!);
      }
    }
    for (const id of ids) {
      const res = await fetch(`${gw.url}/api/traces/${id}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      const text = decoded(await res.text());
      expect(res.status).toBe(200);
      expect(text).not.toContain(TEST_TOKEN);
      expect(text).not.toContain(UPSTREAM_KEY);
      expect(text).toContain('[redacted]');
    }
    await gw.app.gateway.writer.flush();
    expect(homeHolds(TEST_TOKEN)).toEqual([]);
    expect(homeHolds(UPSTREAM_KEY)).toEqual([]);
  });
});

describe("a provider answer quoting its own key is masked in the stored trace", () => {
  it('non-streamed: the trace is masked; the client gets the answer as the provider sent it', async () => {
    const r = await send('/v1/chat/completions', JSON.stringify({ model: 'q/m', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(200);
    const trace = await gw.api<Trace>(`/api/traces/${r.trace}`);
    expect(JSON.stringify(trace)).not.toContain(UPSTREAM_KEY);
    expect(JSON.stringify(trace.response_body)).toContain('my key is [redacted]');
  });

  it('streamed, the key split across two deltas (one escaped): the trace is masked across the boundary', async () => {
    const r = await send('/v1/chat/completions', JSON.stringify({ model: 'q/m', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(200);
    const trace = await gw.api<Trace>(`/api/traces/${r.trace}`);
    const stored = decoded(JSON.stringify(trace));
    expect(stored).not.toContain(UPSTREAM_KEY);
    expect(stored).not.toContain(UPSTREAM_KEY.slice(0, 10));
    expect(stored).toContain('[redacted]');
    await gw.app.gateway.writer.flush();
    expect(homeHolds(UPSTREAM_KEY)).toEqual([]);
    expect(homeHolds(UPSTREAM_KEY.slice(0, 10) + UPSTREAM_KEY.slice(10))).toEqual([]);
  });
});
