import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { listItem } from '../local-gateway/admin/events.js';
import { EVENTS_PROTOCOL, ServerEventSchema, type ServerEvent, type TracePage } from '../local-gateway/admin/schemas.js';
import { CLOSE_TOO_SLOW } from '../local-gateway/routes/events.js';
import { makeTrace } from '../local-gateway/store/testing.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';

const policy = (version: number) => `apiVersion: gatehouse/v1
org: acme
version: ${version}
tiers:
  dev: {}
  prod:
    metadata: { required: [ticket_id] }
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: enforce, config: { patterns: ["4[0-9]{15}"], label: card } }
`;

let gw: TestGateway;
let policyFile: string;
const open: WebSocket[] = [];

beforeAll(async () => {
  policyFile = writePolicy(policy(1));
  gw = await startGateway({ policy: policyFile, tiers: { active: 'dev', shadow: ['prod'] } });
});
afterAll(async () => {
  // With sockets still open: a stopping gateway closes them rather than waiting on them.
  await gw.close();
  for (const ws of open) if (ws.readyState !== ws.CLOSED) ws.terminate();
  rmSync(dirname(policyFile), { recursive: true, force: true });
});

const wsUrl = () => `${gw.url.replace('http', 'ws')}/api/events`;

/** A connected socket and every event it got, parsed against the contract. */
async function connect(protocols: string[], headers: Record<string, string> = {}): Promise<{ ws: WebSocket; events: ServerEvent[] }> {
  const ws = new WebSocket(wsUrl(), protocols, { headers });
  open.push(ws);
  const events: ServerEvent[] = [];
  ws.on('message', (data) => events.push(ServerEventSchema.parse(JSON.parse(String(data)))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, events };
}

/** The HTTP status and error code a refused handshake answers with. */
async function refused(protocols: string[], headers: Record<string, string> = {}, url = wsUrl()): Promise<{ status: number; code: string }> {
  const ws = new WebSocket(url, protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the handshake was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { error: { code: string } }).error.code }));
    });
  });
}

describe('WS /api/events', () => {
  it('accepts the token as a subprotocol, says hello, then sends each request as a list item', async () => {
    const { ws, events } = await connect([EVENTS_PROTOCOL, `bearer.${TEST_TOKEN}`], { origin: gw.url });
    expect(ws.protocol).toBe(EVENTS_PROTOCOL);
    await waitFor(() => events.length > 0, 'the hello');
    expect(events[0]).toMatchObject({ type: 'hello', tier: 'dev' });

    const r = await chat(gw, 'live one, card 4111111111111111', { model: 'demo/echo' });
    const id = r.headers.get('x-gatehouse-trace-id');
    const event = await waitFor(() => events.find((e) => e.type === 'trace' && e.trace.id === id), 'the trace event');
    if (event.type !== 'trace') throw new Error('not a trace event');
    // The same shape as the list's item for that trace, but the previews: the importer computes
    // them from the bodies when it stores the trace, off the request thread (the dashboard re-reads them).
    const { ask, answer, session, ...listed } = (await gw.api<TracePage>('/api/traces?limit=1')).traces[0]!;
    expect(event.trace).toEqual(listed);
    expect({ ask, answer }).toEqual({ ask: 'live one, card 4111111111111111', answer: expect.stringContaining('Demo reply') });
    expect(session).toMatch(/^conv-/);
    expect(event.trace.fired).toEqual([
      { tier: 'prod', rule: 'metadata.ticket_id', stage: 'metadata', decision: 'block', mode: 'enforce', enforced: false },
      { tier: 'prod', rule: 'card', stage: 'input_guardrails', decision: 'block', mode: 'enforce', enforced: false },
    ]);
  });

  it('accepts an Authorization header from scripts', async () => {
    const { events } = await connect([], { authorization: `Bearer ${TEST_TOKEN}` });
    await waitFor(() => events.length > 0, 'the hello');
    expect(events[0]!.type).toBe('hello');
  });

  it('tells every socket when the policy in force changes', async () => {
    const { events } = await connect([EVENTS_PROTOCOL, `bearer.${TEST_TOKEN}`]);
    writeFileSync(policyFile, policy(2));
    const event = await waitFor(() => events.find((e) => e.type === 'policy'), 'the policy event');
    expect(event).toEqual({ type: 'policy', version: 2, source: 'file' });
  });

  it('drops a client that stops reading once it is more than 4 MB behind, with close code 1013, and keeps one that reads', async () => {
    const reader = await connect([EVENTS_PROTOCOL, `bearer.${TEST_TOKEN}`]);
    const { ws } = await connect([EVENTS_PROTOCOL, `bearer.${TEST_TOKEN}`]);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.pause();
    // Events of 512 KiB, published as the trace sink publishes them, each once the reading
    // client has the one before: the stalled client's kernel buffers fill first, then the
    // server's own queue for it grows past the limit.
    const { request_body: _req, response_body: _res, ...head } = makeTrace({ error_message: 'x'.repeat(512 * 1024) });
    const event: ServerEvent = { type: 'trace', trace: listItem(head) };
    const events = gw.app.gateway.events;
    const before = events.subscribers;
    for (let i = 0; i < 256 && events.subscribers === before; i++) {
      const got = reader.events.length;
      events.publish(event);
      await waitFor(() => reader.events.length > got, 'the reading client to get the event');
    }
    expect(events.subscribers).toBe(before - 1);
    ws.resume();
    expect(await closed).toBe(CLOSE_TOO_SLOW);
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
  });

  it('refuses a wrong or missing token, a foreign origin or host, and a socket elsewhere', async () => {
    expect(await refused([EVENTS_PROTOCOL, 'bearer.not-the-token'])).toEqual({ status: 401, code: 'GH_ERR_UNAUTHORIZED' });
    expect(await refused([EVENTS_PROTOCOL])).toEqual({ status: 401, code: 'GH_ERR_UNAUTHORIZED' });
    expect(await refused([])).toEqual({ status: 401, code: 'GH_ERR_UNAUTHORIZED' });
    expect(await refused([EVENTS_PROTOCOL, `bearer.${TEST_TOKEN}`], { origin: 'http://evil.example' })).toEqual({ status: 403, code: 'GH_ERR_FORBIDDEN_ORIGIN' });
    expect(await refused([EVENTS_PROTOCOL, `bearer.${TEST_TOKEN}`], { host: 'evil.example' })).toEqual({ status: 403, code: 'GH_ERR_FORBIDDEN_HOST' });
    expect(await refused(['chat', `bearer.${TEST_TOKEN}`])).toEqual({ status: 400, code: 'GH_ERR_INVALID_REQUEST' });
    expect(await refused([EVENTS_PROTOCOL, `bearer.${TEST_TOKEN}`], {}, `${gw.url.replace('http', 'ws')}/api/other`)).toEqual({ status: 404, code: 'GH_ERR_NOT_FOUND' });
  });
});
