/**
 * `/mcp` with the official SDK client in front and SDK servers behind it, one over stdio and
 * one over Streamable HTTP: tools composed under `<server>_<tool>`, calls forwarded, the tool
 * list's changes passed on, and every way an upstream can fail answered as a JSON-RPC error
 * with a message while the gateway goes on serving.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace, TracePage } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { STANDIN_SCRIPT, startMcpHttpStandin, type McpHttpStandin } from './standins/mcp-tools.js';

let remote: McpHttpStandin;
let gw: TestGateway;

const REMOTE_TOKEN = 'remote-mcp-secret-token-0123456789';

beforeAll(async () => {
  remote = await startMcpHttpStandin();
  gw = await startGateway(
    {
      mcp: {
        max_result_mb: 2,
        servers: [
          { id: 'files', command: [process.execPath, '--import', 'tsx', STANDIN_SCRIPT, '--long-name'], timeout_ms: 1500 },
          { id: 'remote', url: remote.url, headers: { authorization: 'env:REMOTE_MCP_AUTH' } },
        ],
      },
    },
    { REMOTE_MCP_AUTH: `Bearer ${REMOTE_TOKEN}` },
  );
});
afterAll(async () => {
  await gw?.close();
  await remote?.close();
});

async function connect(onListChanged?: () => void, token = TEST_TOKEN): Promise<Client> {
  const client = new Client({ name: 'test-ide', version: '1.0.0' }, onListChanged ? { listChanged: { tools: { onChanged: () => onListChanged() } } } : {});
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}`, 'x-gatehouse-metadata': '{"session_id":"sess-42"}' } } });
  await client.connect(transport);
  return client;
}

async function traceOf(id: string): Promise<Trace> {
  return gw.api<Trace>(`/api/traces/${id}`);
}

function errorOf(err: unknown): { code: number; message: string; data?: Record<string, unknown> } {
  return err as { code: number; message: string; data?: Record<string, unknown> };
}

describe('/mcp', () => {
  it('refuses a caller without the local token, and a foreign Origin', async () => {
    const res = await fetch(`${gw.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringContaining('local token') } });
    const foreign = await fetch(`${gw.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(foreign.status).toBe(403);
  });

  it('lists every upstream tool as <server>_<tool>, a long name shortened to fit Claude Code', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['files_echo', 'files_read_file', 'remote_echo', 'remote_query']));
    const long = names.find((n) => n.startsWith('files_a_tool_whose'))!;
    expect(`mcp__gatehouse__${long}`.length).toBeLessThanOrEqual(64);
    expect(new Set(names).size).toBe(names.length);
    await client.close();
  });

  it('forwards a call to the stdio and to the HTTP server, with the configured credential, and traces it', async () => {
    const client = await connect();
    const a = await client.callTool({ name: 'files_echo', arguments: { text: 'hi stdio' } });
    expect(a.content).toEqual([{ type: 'text', text: 'echo: hi stdio' }]);
    const b = await client.callTool({ name: 'remote_echo', arguments: { text: 'hi http' } });
    expect(b.content).toEqual([{ type: 'text', text: 'echo: hi http' }]);
    expect(remote.authorizations.at(-1)).toBe(`Bearer ${REMOTE_TOKEN}`);
    const traceId = (b._meta as Record<string, string>)['gatehouse/trace_id']!;
    const t = await waitFor(() => traceOf(traceId).catch(() => null), 'the tool call trace');
    expect(t).toMatchObject({ api: 'mcp', method: 'tools/call', path: '/mcp', status: 200, provider: 'remote', tool: { server: 'remote', name: 'echo', exposed: 'remote_echo' } });
    expect(t.request_body).toEqual({ name: 'remote_echo', arguments: { text: 'hi http' } });
    expect(JSON.stringify(t.response_body)).toContain('echo: hi http');
    expect(t.phases.upstream).toBeGreaterThan(0);
    // The local token never reaches the trace.
    expect(JSON.stringify(t)).not.toContain(TEST_TOKEN);
    const page = await gw.api<TracePage>('/api/traces?tool=remote_echo');
    expect(page.traces[0]).toMatchObject({ id: traceId, session: 'sess-42', ask: 'remote_echo({"text":"hi http"})', answer: 'echo: hi http' });
    await client.close();
  });

  it('answers an unknown tool with a JSON-RPC invalid-params error', async () => {
    const client = await connect();
    const err = errorOf(await client.callTool({ name: 'files_nope', arguments: {} }).catch((e: unknown) => e));
    expect(err.code).toBe(-32602);
    expect(err.message).toContain('files_nope');
    await client.close();
  });

  it.each([
    ['hang', 'GH_ERR_MCP_TIMEOUT', /did not run hang within 1500 ms/],
    ['garble', 'GH_ERR_MCP_TIMEOUT', /did not run garble/],
    ['crash', 'GH_ERR_MCP_UPSTREAM', /failed to run crash/],
  ])('answers an upstream that goes wrong (%s) with a JSON-RPC error and keeps serving', { timeout: 20_000 }, async (tool, code, message) => {
    const client = await connect();
    const err = errorOf(await client.callTool({ name: `files_${tool}`, arguments: {} }).catch((e: unknown) => e));
    expect(err.message).toMatch(message);
    expect(err.data).toMatchObject({ gatehouse_code: code });
    const t = await traceOf(String(err.data!['gatehouse/trace_id']));
    expect(t).toMatchObject({ api: 'mcp', error_code: code, tool: { server: 'files', name: tool } });
    // The same server answers the next call (restarted after a crash).
    const ok = await client.callTool({ name: 'files_echo', arguments: { text: 'still here' } });
    expect(ok.content).toEqual([{ type: 'text', text: 'echo: still here' }]);
    await client.close();
  });

  it('refuses a result over mcp.max_result_mb from either transport', { timeout: 20_000 }, async () => {
    const client = await connect();
    for (const name of ['files_huge', 'remote_huge']) {
      const err = errorOf(await client.callTool({ name, arguments: { mb: 3 } }).catch((e: unknown) => e));
      expect(err.data, err.message).toMatchObject({ gatehouse_code: 'GH_ERR_MCP_RESULT_TOO_LARGE' });
      expect(err.message).toContain('max_result_mb');
    }
    expect((await client.callTool({ name: 'remote_echo', arguments: { text: 'ok' } })).content).toEqual([{ type: 'text', text: 'echo: ok' }]);
    await client.close();
  });

  it('passes an upstream list_changed on to the client', { timeout: 20_000 }, async () => {
    let changed = 0;
    const client = await connect(() => changed++);
    await client.listTools();
    await client.callTool({ name: 'files_add_tool', arguments: {} });
    await waitFor(() => changed > 0, 'notifications/tools/list_changed from the gateway');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('files_added');
    expect((await client.callTool({ name: 'files_added', arguments: {} })).content).toEqual([{ type: 'text', text: 'added works' }]);
    await client.close();
  });
});
