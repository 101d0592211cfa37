import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../local-gateway/pipeline/index.js';
import type { Trace, TracePage } from '../local-gateway/store/schema.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';

let upstream: OpenAIStandin;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway(upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const lastUpstream = () => upstream.requests.at(-1)!;

describe('chat completions through the gateway with the openai SDK', () => {
  it('answers a non-streamed request and traces it', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'hello gateway' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('echo: hello gateway');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    const traceId = response.headers.get('x-gatehouse-trace-id')!;
    expect(traceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(response.headers.get('x-gatehouse-resolved-model')).toBe('up/gpt-4o-mini');
    expect(response.headers.get('x-gatehouse-tier')).toBe('dev');
    const timing = response.headers.get('server-timing')!;
    for (const stage of [...STAGES, 'total']) expect(timing).toContain(`${stage};dur=`);

    // Upstream got the provider key from config and the model without its prefix; never the local token.
    expect(lastUpstream().headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(lastUpstream().headers)).not.toContain(TEST_TOKEN);
    expect((lastUpstream().body as { model: string }).model).toBe('gpt-4o-mini');

    const trace = await gw.api<Trace>(`/api/traces/${traceId}`);
    expect(trace).toMatchObject({
      api: 'chat.completions',
      requested_model: 'up/gpt-4o-mini',
      resolved_model: 'up/gpt-4o-mini',
      provider: 'up',
      status: 200,
      stream: false,
      tokens_in: data.usage!.prompt_tokens,
      tokens_out: data.usage!.completion_tokens,
      error_code: null,
    });
    expect(trace.request_body).toEqual({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'hello gateway' }] });
    expect((trace.response_body as { id: string }).id).toBe(data.id);
    expect(trace.request_headers.authorization).toBe('[redacted]');
    expect(Object.keys(trace.phases)).toEqual(expect.arrayContaining(['authenticate', 'identity', 'route', 'provider_call']));
  });

  it('frames a complete answer itself: JSON with its charset, the length of its bytes, the provider headers worth forwarding', async () => {
    // A non-ASCII answer, so a length counted in characters instead of bytes would cut it short.
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'grüße, 世界' }] }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect((JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('echo: grüße, 世界');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('x-gatehouse-trace-id')).toBeTruthy();
  });

  it('passes every parameter, tools and images through untouched', async () => {
    const body = {
      model: 'up/gpt-4o-mini',
      messages: [
        { role: 'system' as const, content: 'be brief' },
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'what is this?' },
            { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' as const } },
          ],
        },
      ],
      tools: [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'auto' as const,
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 50,
      seed: 7,
      response_format: { type: 'text' as const },
      user: 'dev-1',
      some_future_parameter: { nested: [1, 2, 3] },
    };
    // A parameter the SDK does not know still goes through (the gateway has no fixed list).
    await gw.client.chat.completions.create(body as Parameters<typeof gw.client.chat.completions.create>[0]);
    const sent = lastUpstream().body as Record<string, unknown>;
    expect(sent).toEqual({ ...body, model: 'gpt-4o-mini' });
  });

  it('sends the JSON text upstream as the client wrote it, so even numbers JSON.parse would round survive', async () => {
    const raw = '{"model":"up/gpt-4o-mini","seed":12345678901234567890,"messages":[{"role":"user","content":"big seed"}]}';
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: raw, headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(lastUpstream().text).toBe(raw.replace('"up/gpt-4o-mini"', '"gpt-4o-mini"'));
    // A stream gets stream_options added to the text, the rest untouched.
    const streamed = '{"model":"up/gpt-4o-mini","stream":true,"seed":12345678901234567890,"messages":[{"role":"user","content":"x"}]}';
    await (await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: streamed, headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    expect(lastUpstream().text).toBe(`{"stream_options":{"include_usage":true},${streamed.slice(1).replace('"up/gpt-4o-mini"', '"gpt-4o-mini"')}`);
  });

  it('streams event by event and captures usage the client did not ask for, without showing it', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'up/gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'one two three four five' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('echo: one two three four five');
    // What the client receives is what it would get from OpenAI without include_usage.
    for (const c of chunks) {
      expect(c).not.toHaveProperty('usage');
      expect(c.choices.length).toBe(1);
    }
    // But the provider was asked for usage, and the trace has it.
    expect((lastUpstream().body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
    const page = await gw.api<TracePage>('/api/traces?limit=1');
    const trace = await gw.api<Trace>(`/api/traces/${page.traces[0]!.id}`);
    expect(trace.stream).toBe(true);
    expect(trace.tokens_in).toBeGreaterThan(0);
    expect(trace.tokens_out).toBeGreaterThan(0);
    expect(trace.response_body as string).toContain('data: [DONE]');
    expect(trace.response_body as string).not.toContain('"usage"');
    expect(trace.phases).toHaveProperty('first_chunk');
  });

  it('forwards each event as it arrives, not when the stream ends', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'up/slow-stream',
      stream: true,
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    const upstreamReq = lastUpstream();
    let first = true;
    for await (const _ of stream) {
      // The stand-in waits between events: the first one reaches the client while the rest are unsent.
      if (first) expect(upstreamReq.finished).toBe(false);
      first = false;
    }
    expect(upstreamReq.finished).toBe(true);
  });

  it('falls back to the client\'s own body when the provider refuses the stream_options it added', async () => {
    const before = upstream.requests.length;
    const stream = await gw.client.chat.completions.create({
      model: 'up/no-stream-options',
      stream: true,
      messages: [{ role: 'user', content: 'old server' }],
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: old server');
    const sent = upstream.requests.slice(before).map((r) => (r.body as Record<string, unknown>).stream_options);
    expect(sent).toEqual([{ include_usage: true }, undefined]);
  });

  it('does not resend on a 400 that is not about stream_options: the client gets the provider\'s refusal once', async () => {
    const before = upstream.requests.length;
    const err = (await gw.client.chat.completions.create({ model: 'up/bad-request', stream: true, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as { status: number; message: string };
    expect(err.status).toBe(400);
    expect(err.message).toContain('the stand-in was asked to refuse this request');
    expect(upstream.requests.length - before).toBe(1);
  });

  it('keeps the usage chunk for a client that asked for it', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'up/gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count me' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('reassembles a streamed tool call', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'up/tool-call',
      stream: true,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    let args = '';
    let name = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      if (call?.function?.name) name = call.function.name;
      args += call?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
  });

  it('serves embeddings in the SDK default (base64) and as floats', async () => {
    const b64 = await gw.client.embeddings.create({ model: 'up/text-embedding-3-small', input: ['a', 'b'] });
    expect(b64.data).toHaveLength(2);
    expect(b64.data[0]!.embedding).toHaveLength(8);
    const floats = await gw.client.embeddings.create({ model: 'up/text-embedding-3-small', input: 'a', encoding_format: 'float' });
    expect(floats.data[0]!.embedding).toEqual(b64.data[0]!.embedding.map((x) => expect.closeTo(x, 5)));
    const page = await gw.api<TracePage>('/api/traces?limit=1');
    expect(page.traces[0]).toMatchObject({ api: 'embeddings', tokens_in: expect.any(Number), status: 200 });
  });

  it('lists models of every provider under their gateway names', async () => {
    const ids = [];
    for await (const m of gw.client.models.list()) ids.push(m.id);
    expect(ids).toContain('demo/echo');
    expect(ids).toContain('up/gpt-4o-mini');
  });

  it('resolves a model without a prefix through the provider that lists it', async () => {
    const { response } = await gw.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(response.headers.get('x-gatehouse-resolved-model')).toBe('up/gpt-4o-mini');
  });

  it('answers from the built-in demo provider with no key and no network', async () => {
    const res = await gw.client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'ping' }] });
    expect(res.choices[0]!.message.content).toContain('Demo reply from Gatehouse');
    const stream = await gw.client.chat.completions.create({ model: 'echo', stream: true, messages: [{ role: 'user', content: 'ping' }] });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toContain('You said: "ping"');
  });

  it('stores the caller and the metadata header with the trace', async () => {
    const { response } = await gw.client.chat.completions
      .create({ model: 'demo/echo', messages: [{ role: 'user', content: 'm' }] }, { headers: { 'x-gatehouse-metadata': '{"team":"payments","ticket_id":"PAY-12"}' } })
      .withResponse();
    const trace = await gw.api<Trace>(`/api/traces/${response.headers.get('x-gatehouse-trace-id')}`);
    expect(trace.metadata).toEqual({ team: 'payments', ticket_id: 'PAY-12' });
    expect(trace.caller.user.length).toBeGreaterThan(0);
    expect(trace.caller.agent).toMatch(/OpenAI\/JS/);
  });
});
