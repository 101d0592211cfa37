import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace, TracePage } from '../local-gateway/store/schema.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, waitFor, type TestGateway } from './helpers/gateway.js';

let upstream: OpenAIStandin;
let gw: TestGateway;
// Port 1 (tcpmux) is never listened on: a port freed by this test could be taken by any
// server another test starts on port 0 in the meantime.
const deadPort = 1;
// A server answering like Ollama's root without /v1: a plain-text 404.
const plain404 = createServer((_req, res) => {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('404 page not found');
});

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY, delayHeadersMs: 3000 });
  plain404.listen(0, '127.0.0.1');
  await new Promise((r) => plain404.once('listening', r));
  gw = await startGateway({
    ...upstreamConfig(upstream.url),
    providers: [
      { id: 'up', kind: 'openai', base_url: upstream.url, api_key: 'env:UPSTREAM_KEY' },
      { id: 'down', kind: 'openai', base_url: `http://127.0.0.1:${deadPort}/v1` },
      { id: 'nokey', kind: 'openai', base_url: upstream.url, api_key: 'env:NOT_SET_ANYWHERE' },
      { id: 'nov1', kind: 'openai', base_url: `http://127.0.0.1:${(plain404.address() as AddressInfo).port}` },
    ],
    limits: { body_mb: 1 },
    timeouts: { connect_ms: 2000, headers_ms: 1000, idle_ms: 1000 },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  plain404.close();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, { method: 'POST', body, headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...headers } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { error: { message: string; code: string; type: string; param: string | null } } };
}

async function traceOf(id: string | null) {
  return gw.api<Trace>(`/api/traces/${id}`);
}

describe('bad input gets a clear 4xx in the OpenAI error shape, and a trace', () => {
  it('malformed JSON', async () => {
    const r = await post('/v1/chat/completions', '{"model": "demo/echo", "messages": [');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('GH_ERR_INVALID_JSON');
    expect(r.body.error.message).toMatch(/not valid JSON/);
    const trace = await traceOf(r.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ status: 400, error_code: 'GH_ERR_INVALID_JSON' });
    // What was sent is kept as text, to show the developer what went wrong.
    expect(trace.request_body).toBe('{"model": "demo/echo", "messages": [');
  });

  it('wrong types name the field', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'demo/echo', messages: 'hello' }));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('GH_ERR_INVALID_REQUEST');
    expect(r.body.error.message).toContain('messages');
    expect(r.body.error.param).toBe('messages');
    const r2 = await post('/v1/chat/completions', JSON.stringify({ model: 42, messages: [{ role: 'user', content: 'x' }] }));
    expect(r2.body.error.param).toBe('model');
  });

  it('says what is wrong with a chat body in its own API\'s terms, every mistake at once', async () => {
    const chat = await post('/v1/chat/completions', JSON.stringify({ model: '', messages: [] }));
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({
      code: 'GH_ERR_INVALID_REQUEST',
      param: 'model',
      message: 'Invalid request: field model: name a model, e.g. "demo/echo" or "<provider>/<model>"; field messages: send at least one message.',
    });
    // Responses-shaped (input, no messages): checked as a Responses request.
    const asResponses = await post('/v1/chat/completions', JSON.stringify({ model: 'up/gpt-4o-mini', input: 42 }));
    expect(asResponses.status).toBe(400);
    expect(asResponses.body.error.param).toBe('input');
    // Neither: no object at all.
    for (const body of ['[1,2]', '"hello"', 'null']) {
      const r = await post('/v1/chat/completions', body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('GH_ERR_INVALID_REQUEST');
      expect(r.body.error.message).toMatch(/^Invalid request: field \(body\): /);
    }
  });

  it('unknown model and unknown provider say how to address a model', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ code: 'GH_ERR_UNKNOWN_MODEL', param: 'model' });
    expect(r.body.error.message).toContain('<provider>/<model>');
    const r2 = await post('/v1/chat/completions', JSON.stringify({ model: 'nope/gpt-9', messages: [{ role: 'user', content: 'x' }] }));
    expect(r2.body.error.code).toBe('GH_ERR_UNKNOWN_PROVIDER');
    expect(r2.body.error.message).toContain('demo, up, down, nokey, nov1');
  });

  it('a body over the limit gets 413', async () => {
    const big = JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] });
    const r = await post('/v1/chat/completions', big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('GH_ERR_BODY_TOO_LARGE');
    expect(r.body.error.message).toContain('limits.body_mb');
  });

  it('a malformed metadata header is refused with an example', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'x' }] }), { 'x-gatehouse-metadata': '{"team": 5}' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('GH_ERR_INVALID_METADATA');
    expect(r.body.error.message).toContain('"team"');
  });

  it('an unknown route is a 404 naming what exists', async () => {
    const r = await post('/v1/completionz', '{}');
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('/v1/chat/completions');
  });
});

describe('upstream faults', () => {
  const client = () => new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });

  it('a provider refusing connections is a 502 naming it', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'down/m', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('GH_ERR_UPSTREAM_CONNECT');
    expect(r.body.error.message).toContain('"down"');
    expect((await traceOf(r.headers.get('x-gatehouse-trace-id'))).error_code).toBe('GH_ERR_UPSTREAM_CONNECT');
  });

  it('a plain 404 from the provider suggests the /v1 its base_url may lack', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'nov1/llama3', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('404 page not found');
    expect(r.body.error.message).toContain('under /v1');
  });

  it('a missing provider key names the variable to set', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'nokey/m', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('GH_ERR_PROVIDER_KEY_MISSING');
    expect(r.body.error.message).toContain('NOT_SET_ANYWHERE');
  });

  it('an upstream 500 becomes a 502 with the provider message, recorded in the trace', async () => {
    const err = await client().chat.completions.create({ model: 'up/fail-500', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.status).toBe(502);
    expect(apiErr.message).toContain('Provider "up" failed with 500');
    const trace = await traceOf(apiErr.headers?.get('x-gatehouse-trace-id') ?? null);
    expect(trace).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_ERROR' });
    expect(trace.response_body).toHaveProperty('error');
  });

  it('an upstream 429 stays a 429 and keeps its retry-after', async () => {
    const err = (await client().chat.completions.create({ model: 'up/rate-limit', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('7');
  });

  it('an upstream that does not answer in time is a 504', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'up/slow', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(504);
    expect(r.body.error.code).toBe('GH_ERR_UPSTREAM_TIMEOUT');
  });

  it('a stream cut midway ends with an error event the SDK raises, and the trace records it', async () => {
    const stream = await client().chat.completions.create({ model: 'up/cut-stream', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(seen.length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/before (it|the response) was complete/);
    const page = await gw.api<TracePage>('/api/traces?limit=1');
    expect(page.traces[0]).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_STREAM_CUT', stream: true });
  });

  it("a provider's error event mid-stream reaches the client once, and the trace names it", async () => {
    const { data: stream, response } = await client()
      .chat.completions.create({ model: 'up/error-in-stream', stream: true, messages: [{ role: 'user', content: 'a b c' }] })
      .withResponse();
    const err = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toContain('The server had an error');
    const trace = await traceOf(response.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ status: 502, error_code: 'GH_ERR_UPSTREAM_ERROR' });
    expect(trace.error_message).toContain('The server had an error');
    expect((trace.response_body as string).match(/"error"/g)).toHaveLength(1);
  });

  it('a stream whose last event lacks its blank line still completes', async () => {
    const { data: stream, response } = await client()
      .chat.completions.create({ model: 'up/bare-done', stream: true, messages: [{ role: 'user', content: 'a b c' }] })
      .withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: a b c');
    const trace = await traceOf(response.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ status: 200, error_code: null });
    expect(trace.response_body as string).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('a stream that goes silent ends with a timeout error event', async () => {
    const stream = await client().chat.completions.create({ model: 'up/stall-stream', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const err = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain('went silent');
    const page = await gw.api<TracePage>('/api/traces?limit=1');
    expect(page.traces[0]).toMatchObject({ status: 504, error_code: 'GH_ERR_UPSTREAM_TIMEOUT' });
  });

  it('a client hanging up mid-stream aborts the upstream request, and the trace says so', async () => {
    const before = upstream.requests.length;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? resolve() : reject(e)));
      req.end(JSON.stringify({ model: 'up/slow-stream', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h i j' }] }));
    });
    const upstreamReq = upstream.requests[before]!;
    await waitFor(() => upstreamReq.aborted, 'the upstream request to be aborted');
    const trace = await waitFor(async () => {
      const page = await gw.api<TracePage>('/api/traces?limit=1');
      return page.traces[0]?.error_code === 'GH_ERR_CLIENT_CLOSED' ? page.traces[0] : null;
    }, 'the trace of the closed request');
    expect(trace.status).toBe(499);
  });
});

describe('security', () => {
  it('refuses a missing or wrong token with a hint', async () => {
    const r = await fetch(`${gw.url}/v1/models`);
    expect(r.status).toBe(401);
    const body = (await r.json()) as { error: { message: string } };
    expect(body.error.message).toContain('gatehouse token');
    const r2 = await fetch(`${gw.url}/api/traces`, { headers: { authorization: 'Bearer nope' } });
    expect(r2.status).toBe(401);
  });

  it('accepts the token as x-api-key, as Anthropic clients send it', async () => {
    const r = await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': TEST_TOKEN } });
    expect(r.status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (CSRF)', async () => {
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${TEST_TOKEN}`, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    const port = new URL(gw.url).port;
    expect(await status({ host: `evil.example:${port}` })).toBe(403);
    expect(await status({ origin: 'https://evil.example' })).toBe(403);
    expect(await status({ origin: `http://127.0.0.1:${port}` })).toBe(200);
    expect(await status({ host: `localhost:${port}` })).toBe(200);
  });

  it('health check needs no token', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});

describe('dashboard assets', () => {
  it('serves the built dashboard without the token, under a strict CSP, index revalidated and hashed assets cached long', async () => {
    const res = await fetch(`${gw.url}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).not.toContain(TEST_TOKEN);
    // No inline script: every script is a file under /ui/assets/.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const src = /<script[^>]+src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(src).toBeDefined();
    const js = await fetch(gw.url + src!);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${gw.url}/ui`, { redirect: 'manual' })).headers.get('location')).toBe('/ui/');
  });

  it('answers a missing or malformed asset name with a coded 404 or 400, never a file outside the build', async () => {
    const missing = await fetch(`${gw.url}/ui/assets/nope-123.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('GH_ERR_NOT_FOUND');
    const escape = await fetch(`${gw.url}/ui/assets/..%2F..%2Fpackage.json`);
    expect([400, 404]).toContain(escape.status);
    expect(await escape.text()).not.toContain('"dependencies"');
  });
});

describe('admin API', () => {
  it('refuses a bad filter with a message saying what is accepted', async () => {
    const since = await fetch(`${gw.url}/api/traces?since=yesterday`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(since.status).toBe(400);
    const body = (await since.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('GH_ERR_INVALID_QUERY');
    expect(body.error.message).toContain('ISO 8601');
    const status = await fetch(`${gw.url}/api/traces?status=bad`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(status.status).toBe(400);
    expect(((await status.json()) as { error: { message: string } }).error.message).toContain('status');
  });

  it('pages through traces with the cursor and filters failures', async () => {
    const first = await gw.api<TracePage>('/api/traces?limit=2');
    expect(first.traces).toHaveLength(2);
    const second = await gw.api<TracePage>(`/api/traces?limit=2&cursor=${first.next_cursor}`);
    expect(second.traces[0]!.id < first.traces[1]!.id).toBe(true);
    const failed = await gw.api<TracePage>('/api/traces?status=error&limit=100');
    expect(failed.traces.length).toBeGreaterThan(0);
    expect(failed.traces.every((t) => t.status >= 400)).toBe(true);
  });

  it('answers 404 for a trace that does not exist', async () => {
    const res = await fetch(`${gw.url}/api/traces/nope`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(404);
  });
});
