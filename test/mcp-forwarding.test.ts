/**
 * What passes between a client and an upstream while a tool call runs through `/mcp`, with the
 * official SDK on both ends: the upstream's progress reaches the client under the client's own
 * token, the client cancelling reaches the upstream, and the upstream's questions (elicitation,
 * sampling) reach the client that called it and their answers come back. A client that cannot
 * answer gets the tool's failure, with a message, never a hang. Each over a stdio upstream and
 * an HTTP one (a server per session, as the SDK needs to ask its client).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { STANDIN_SCRIPT, startMcpHttpStandin, type McpHttpStandin } from './standins/mcp-tools.js';

let remote: McpHttpStandin;
const eventsFile = join(mkdtempSync(join(tmpdir(), 'gatehouse-mcp-events-')), 'events.txt');
let gw: TestGateway;

const connect = async (capabilities: Record<string, unknown> = {}) => {
  const c = new Client({ name: 'test-ide', version: '1.0.0' }, { capabilities });
  return c;
};
const open = async (c: Client) => {
  await c.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
  return c;
};
const fileEvents = () => (existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n') : []);
const text = (r: { content?: unknown }) => (r.content as { text: string }[])[0]!.text;

beforeAll(async () => {
  remote = await startMcpHttpStandin();
  gw = await startGateway({ mcp: { servers: [{ id: 'files', command: [process.execPath, '--import', 'tsx', STANDIN_SCRIPT], env: { STANDIN_EVENTS: eventsFile } }, { id: 'remote', url: remote.url },
    // The same two pinned to 2025-11-25, where the upstream asks and the gateway refuses for the client.
    { id: 'oldfiles', protocol: '2025-11-25', command: [process.execPath, '--import', 'tsx', STANDIN_SCRIPT], env: { STANDIN_EVENTS: eventsFile } }, { id: 'oldremote', protocol: '2025-11-25', url: remote.url }] } });
});
afterAll(async () => {
  await gw?.close();
  await remote?.close();
});

describe('forwarding during a tool call', () => {
  // Both upstreams: over stdio, and over HTTP in a session of its own (the gateway's connection to it).
  it.each([
    ['remote', () => remote.events],
    ['files', () => fileEvents()],
  ] as const)('passes the %s upstream progress to the client, and the client cancelling to the upstream', async (server, events) => {
    const client = await open(await connect());
    try {
      const seen: { progress: number; total?: number; message?: string }[] = [];
      const abort = new AbortController();
      const call = client.callTool({ name: `${server}_slow`, arguments: { steps: 2 } }, { signal: abort.signal, onprogress: (p) => void seen.push(p) });
      const settled = call.then(() => 'answered', () => 'rejected');
      await waitFor(() => seen.length === 2, 'both progress notifications');
      expect(seen).toEqual([{ progress: 1, total: 2, message: 'step 1' }, { progress: 2, total: 2, message: 'step 2' }]);
      abort.abort('the user pressed Esc');
      expect(await settled).toBe('rejected');
      await waitFor(() => events().includes('slow cancelled'), 'the upstream tool to see the cancellation');
    } finally {
      await client.close();
    }
  });

  it('passes progress and cancellation for a stateless 2026-07-28 client too', async () => {
    const client = new Client({ name: 'test-ide', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await open(client);
    try {
      const seen: number[] = [];
      const abort = new AbortController();
      const settled = client.callTool({ name: 'files_slow', arguments: { steps: 3 } }, { signal: abort.signal, onprogress: (p) => void seen.push(p.progress) }).then(() => 'answered', () => 'rejected');
      const cancelledBefore = fileEvents().filter((e) => e === 'slow cancelled').length;
      await waitFor(() => seen.length === 3, 'three progress notifications');
      expect(seen).toEqual([1, 2, 3]);
      abort.abort('done');
      expect(await settled).toBe('rejected');
      await waitFor(() => fileEvents().filter((e) => e === 'slow cancelled').length === cancelledBefore + 1, 'the upstream tool to see the cancellation');
    } finally {
      await client.close();
    }
  });

  it.each(['files', 'remote'])('asks the calling client the %s upstream question (elicitation) and brings its answer back', async (server) => {
    const client = await connect({ elicitation: { form: {} } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { branch: 'main' } };
    });
    await open(client);
    try {
      const r = await client.callTool({ name: `${server}_ask`, arguments: {} });
      expect(text(r)).toBe('answer: accept {"branch":"main"}');
      expect(asked).toEqual(['Which branch?']);
    } finally {
      await client.close();
    }
  });

  it.each(['files', 'remote'])('passes a sampling request of the %s upstream to the calling client and its completion back', async (server) => {
    const client = await connect({ sampling: {} });
    client.setRequestHandler('sampling/createMessage', async (req) => ({
      model: 'ide-model',
      role: 'assistant',
      content: { type: 'text', text: `summary of ${(req.params.messages[0]!.content as { text: string }).text.length} chars` },
    }));
    await open(client);
    try {
      const r = await client.callTool({ name: `${server}_summarize`, arguments: {} });
      expect(text(r)).toBe('sampled by ide-model: summary of 16 chars');
    } finally {
      await client.close();
    }
  });

  it.each([
    // On 2026-07-28 the upstream is told the caller's capabilities and refuses to ask.
    ['files', 'client capabilities do not declare the required capability'],
    ['remote', 'client capabilities do not declare the required capability'],
    // On 2025-11-25 the upstream asks, and the gateway refuses on the client's behalf.
    ['oldfiles', 'no client calling it through Gatehouse can answer'],
    ['oldremote', 'no client calling it through Gatehouse can answer'],
  ])('fails the %s tool with a message when the calling client cannot answer the question', async (server, message) => {
    const client = await open(await connect());
    try {
      const outcome = await client.callTool({ name: `${server}_ask`, arguments: {} }).then(
        (r) => (r.isError ? text(r) : `answered: ${text(r)}`),
        (e: unknown) => (e as Error).message,
      );
      expect(outcome).toContain(message);
    } finally {
      await client.close();
    }
  });
});

describe('the answer to a tool call', () => {
  const post = (body: unknown, session?: string) =>
    fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } : {}) },
      body: JSON.stringify(body),
    });

  // Either is the same message to a client; JSON spares both ends the event stream when nothing comes before the result.
  it('is JSON when the result is all there is to send, and an event stream when progress comes first', async () => {
    const init = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    expect(session).toBeTruthy();
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();

    const plain = await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'files_echo', arguments: { text: 'hi' } } }, session);
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(plain.headers.get('mcp-session-id')).toBe(session);
    const answer = (await plain.json()) as { id: number; result: { content: { text: string }[]; _meta: Record<string, unknown> } };
    expect(answer.id).toBe(1);
    expect(answer.result.content[0]!.text).toBe('echo: hi');
    expect(answer.result._meta['gatehouse/trace_id']).toEqual(expect.any(String));

    const abort = new AbortController();
    const slow = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      signal: abort.signal,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'files_slow', arguments: { steps: 1 }, _meta: { progressToken: 'p-1' } } }),
    });
    expect(slow.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = slow.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    for (let c = await reader.read(); !c.done; c = await reader.read()) {
      seen += c.value;
      if (seen.includes('notifications/progress')) break;
    }
    expect(seen).toContain('"progressToken":"p-1"');
    const cancelledBefore = fileEvents().filter((e) => e === 'slow cancelled').length;
    await (await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } }, session)).text();
    await waitFor(() => fileEvents().filter((e) => e === 'slow cancelled').length === cancelledBefore + 1, 'the upstream tool to see the cancellation');
    abort.abort();
  });
});
