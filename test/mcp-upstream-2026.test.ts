/**
 * Upstreams that speak only the stateless 2026-07-28 revision (the SDK server with
 * `legacy: 'reject'`), over HTTP and stdio, behind `/mcp`, with official SDK clients of both
 * revisions in front: the gateway discovers the revision, lists and calls the tools, and
 * translates the upstream's input_required questions for each kind of client. A client that
 * alters the state it is handed is refused; an upstream that crashes, hangs or writes
 * malformed JSON-RPC is a clean JSON-RPC error with its trace.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { statelessRequest } from './helpers/mcp-stateless.js';
import { writePolicy } from './helpers/policy.js';
import { MODERN_STANDIN_SCRIPT, startModernStandin, type ModernStandin } from './standins/mcp-modern.js';

let up: ModernStandin;
let gw: TestGateway;

beforeAll(async () => {
  up = await startModernStandin();
  gw = await startGateway({
    mcp: {
      servers: [
        { id: 'web', url: up.url },
        { id: 'pipe', command: [process.execPath, '--import', 'tsx', MODERN_STANDIN_SCRIPT], timeout_ms: 1500 },
        // Pinned to the revision it does not speak: it fails to connect, with a message.
        { id: 'old', url: up.url, protocol: '2025-11-25' },
      ],
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

interface Asked {
  questions: string[];
}

/** An SDK client of either revision that answers elicitation and sampling. */
async function connect(revision: '2025-11-25' | '2026-07-28', asked: Asked = { questions: [] }): Promise<Client> {
  const client = new Client(
    { name: 'test-ide', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, sampling: {} }, ...(revision === '2026-07-28' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}) },
  );
  client.setRequestHandler('elicitation/create', (req) => {
    asked.questions.push(req.params.message);
    const content: Record<string, string | boolean> = req.params.message === 'Go on?' ? { ok: true } : { branch: 'main' };
    return { action: 'accept', content };
  });
  client.setRequestHandler('sampling/createMessage', () => ({ role: 'assistant', model: 'ide-model', content: { type: 'text', text: 'a summary' } }));
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
  return client;
}

const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]?.text ?? '');
const errorOf = (err: unknown) => err as { code: number; message: string; data?: Record<string, unknown> };

/** One raw 2026-07-28 request, as a stateless client sends it. */
function raw(name: string, extra: Record<string, unknown> = {}, at: TestGateway = gw) {
  return statelessRequest<{ result?: { resultType?: string; inputRequests?: Record<string, { method: string; params: { message?: string } }>; requestState?: string; content?: { text: string }[] }; error?: { code: number; message: string; data?: Record<string, unknown> } }>(at, 'tools/call', { name, arguments: {}, ...extra }, { elicitation: {} });
}

describe('a 2026-07-28-only upstream behind /mcp', () => {
  it.each(['2025-11-25', '2026-07-28'] as const)('lists and calls its tools for a %s client, having spoken only 2026-07-28 to it', async (revision) => {
    const client = await connect(revision);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['web_echo', 'web_checkpoint', 'pipe_echo']));
      expect(names.some((n) => n.startsWith('old_'))).toBe(false);
      expect(text(await client.callTool({ name: 'web_echo', arguments: { text: 'hi' } }))).toBe('echo: hi');
      expect(text(await client.callTool({ name: 'pipe_echo', arguments: { text: 'hi' } }))).toBe('echo: hi');
    } finally {
      await client.close();
    }
    // No initialize ever reached it from the servers left on auto; every request named the 2026-07-28 revision in its header.
    const fromAuto = up.seen.filter((s) => s.method !== 'initialize');
    expect(fromAuto.length).toBeGreaterThan(0);
    expect(fromAuto.every((s) => s.version === '2026-07-28')).toBe(true);
  });

  it('fails a server pinned to 2025-11-25 that speaks only 2026-07-28 with a message, in the trace too', async () => {
    const client = await connect('2025-11-25');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('old_echo');
      expect(up.seen.some((s) => s.method === 'initialize')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it.each([
    ['2025-11-25', 'web'],
    ['2026-07-28', 'web'],
    ['2025-11-25', 'pipe'],
    ['2026-07-28', 'pipe'],
  ] as const)('carries an elicitation and a sampling round trip for a %s client through the %s upstream', async (revision, server) => {
    const asked: Asked = { questions: [] };
    const client = await connect(revision, asked);
    try {
      expect(text(await client.callTool({ name: `${server}_ask`, arguments: {} }))).toBe('answer: accept {"branch":"main"}');
      expect(asked.questions).toEqual(['Which branch?']);
      expect(text(await client.callTool({ name: `${server}_summarize`, arguments: {} }))).toBe('sampled by ide-model: a summary');
      // The upstream's own requestState goes back to it unchanged (it checks its signature).
      expect(text(await client.callTool({ name: `${server}_checkpoint`, arguments: {} }))).toBe('confirmed at step 1: true');
    } finally {
      await client.close();
    }
  });

  it("passes the upstream's questions on to a 2026-07-28 client under its own keys, its state inside the gateway's, and refuses an altered state", async () => {
    const first = await raw('web_checkpoint');
    expect(first.result?.resultType).toBe('input_required');
    expect(Object.keys(first.result!.inputRequests!)).toEqual(['confirm']);
    expect(first.result!.inputRequests!.confirm!.params.message).toBe('Go on?');
    const state = first.result!.requestState!;
    const answer = { inputResponses: { confirm: { action: 'accept', content: { ok: true } } } };

    const tampered = await raw('web_checkpoint', { ...answer, requestState: `${state.slice(0, -2)}xx` });
    expect(tampered.error?.code).toBe(-32602);
    const foreign = await raw('web_echo', { arguments: { text: 'x' }, ...answer, requestState: state });
    expect(foreign.error).toMatchObject({ code: -32602, message: expect.stringContaining('belongs to a call of tool web_checkpoint') });

    const done = await raw('web_checkpoint', { ...answer, requestState: state });
    expect(done.result!.content![0]!.text).toBe('confirmed at step 1: true');
  });

  it.each([
    ['hang', 'GH_ERR_MCP_TIMEOUT', /did not run hang within 1500 ms/],
    ['garble', 'GH_ERR_MCP_TIMEOUT', /did not run garble/],
    ['crash', 'GH_ERR_MCP_UPSTREAM', /failed to run crash/],
  ])('answers the stdio upstream going wrong (%s) with a JSON-RPC error and its trace, and serves the next call', { timeout: 20_000 }, async (tool, code, message) => {
    const client = await connect('2025-11-25');
    try {
      const err = errorOf(await client.callTool({ name: `pipe_${tool}`, arguments: {} }).catch((e: unknown) => e));
      expect(err.message).toMatch(message);
      expect(err.data).toMatchObject({ gatehouse_code: code });
      const t = await gw.api<Trace>(`/api/traces/${String(err.data!['gatehouse/trace_id'])}`);
      expect(t).toMatchObject({ api: 'mcp', error_code: code, tool: { server: 'pipe', name: tool } });
      expect(text(await client.callTool({ name: 'pipe_echo', arguments: { text: 'still here' } }))).toBe('echo: still here');
    } finally {
      await client.close();
    }
  });

  it.each(['web', 'pipe'])("passes the %s upstream's tool list change (on its subscription stream) to the gateway's catalogue", { timeout: 20_000 }, async (server) => {
    let changed = 0;
    const client = new Client({ name: 'test-ide', version: '1.0.0' }, { listChanged: { tools: { onChanged: () => void changed++ } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
    try {
      await client.listTools();
      await client.callTool({ name: `${server}_grow`, arguments: {} });
      await waitFor(() => changed > 0, 'notifications/tools/list_changed from the gateway');
      const names = await waitFor(async () => {
        const n = (await client.listTools()).tools.map((t) => t.name);
        return n.includes(`${server}_added`) ? n : null;
      }, 'the added tool in the listing');
      expect(names).toContain(`${server}_added`);
      expect(text(await client.callTool({ name: `${server}_added`, arguments: {} }))).toBe('added works');
    } finally {
      await client.close();
    }
  });

  it("passes the web upstream's resource updates (on a subscription stream of their own) to a 2025-11-25 session subscribed to it", { timeout: 20_000 }, async () => {
    const updated: string[] = [];
    const client = await connect('2025-11-25');
    client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    try {
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain('modern://watched');
      await client.subscribeResource({ uri: 'modern://watched' });
      await client.callTool({ name: 'web_touch', arguments: {} });
      await waitFor(() => updated.includes('modern://watched'), 'notifications/resources/updated from the gateway');
    } finally {
      await client.close();
    }
  });

  it("passes the upstream's log messages during a call to a 2025-11-25 session that takes them", async () => {
    const logs: unknown[] = [];
    const client = await connect('2025-11-25');
    client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params.data));
    try {
      expect(text(await client.callTool({ name: 'web_note', arguments: {} }))).toBe('noted');
      await waitFor(() => logs.includes('noted'), "the upstream's log line");
    } finally {
      await client.close();
    }
  });
});

describe("a 2026-07-28 upstream's prompt that asks first", () => {
  it('asks a 2025-11-25 client through its session, and brings the prompt back', async () => {
    const asked: Asked = { questions: [] };
    const client = await connect('2025-11-25', asked);
    try {
      const got = await client.getPrompt({ name: 'web_briefing' });
      expect(got.messages[0]!.content).toEqual({ type: 'text', text: 'Brief on main' });
      expect(asked.questions).toEqual(['Which branch?']);
    } finally {
      await client.close();
    }
  });

  it("hands a stateless 2026-07-28 client the question under the upstream's own key, and the prompt on its retry", async () => {
    const get = (extra: Record<string, unknown>) =>
      statelessRequest<{ result: { resultType?: string; inputRequests?: Record<string, { params: { message: string } }>; requestState?: string; messages?: { content: { text: string } }[] } }>(gw, 'prompts/get', { name: 'web_briefing', ...extra }, { elicitation: {} });
    const first = await get({});
    expect(first.result.resultType).toBe('input_required');
    expect(Object.keys(first.result.inputRequests!)).toEqual(['pick']);
    expect(first.result.inputRequests!.pick!.params.message).toBe('Which branch?');
    const done = await get({ inputResponses: { pick: { action: 'accept', content: { branch: 'release' } } }, requestState: first.result.requestState });
    expect(done.result.messages![0]!.content.text).toBe('Brief on release');
  });
});

describe('a tool rate limit over a call that asks its client first', () => {
  it('counts the call once: the retry that brings the answers is the same call, the next call is a new one', async () => {
    const policy = writePolicy(`
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    rate_limits:
      - { id: one-checkpoint, when: { tools: ["web_checkpoint"] }, scope: [user, tool], limit: { requests: 1, per: 1h } }
`);
    const limited = await startGateway({ policy, mcp: { servers: [{ id: 'web', url: up.url }] } });
    try {
      const first = await raw('web_checkpoint', {}, limited);
      expect(first.result?.resultType).toBe('input_required');
      const answer = { inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, requestState: first.result!.requestState! };
      const done = await raw('web_checkpoint', answer, limited);
      expect(done.result?.content?.[0]?.text).toBe('confirmed at step 1: true');
      const again = await raw('web_checkpoint', {}, limited);
      expect(again.error?.data?.gatehouse_code).toBe('GH_ERR_RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});
