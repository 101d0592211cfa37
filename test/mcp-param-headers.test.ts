/**
 * SEP-2243 through `/mcp`: an upstream tool that mirrors a parameter into a header
 * (`x-mcp-header`) keeps that declaration in the gateway's tools/list, a 2026-07-28 SDK client
 * sends the header and is served, and a call whose header disagrees with its body, or lacks
 * it, is refused with HTTP 400 and -32020 before it reaches the upstream.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';
import { startMcpReferenceStandin, type McpReferenceStandin } from './standins/mcp-reference.js';

let ref: McpReferenceStandin;
let gw: TestGateway;

beforeAll(async () => {
  ref = await startMcpReferenceStandin();
  gw = await startGateway({ mcp: { servers: [{ id: 'ref', url: ref.url }] } });
});
afterAll(async () => {
  await gw?.close();
  await ref?.close();
});

const post = (headers: Record<string, string>, args: Record<string, unknown>) =>
  fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'ref_test_region_header', ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'ref_test_region_header', arguments: args, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
    }),
  });

describe('Mcp-Param-* headers on calls through /mcp', () => {
  it('lists the declaration, and serves an SDK client that mirrors the parameter', async () => {
    const client = new Client({ name: 'ide', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
    try {
      const { tools } = await client.listTools();
      expect(tools.find((t) => t.name === 'ref_test_region_header')?.inputSchema.properties?.region).toMatchObject({ 'x-mcp-header': 'Region' });
      const r = await client.callTool({ name: 'ref_test_region_header', arguments: { region: 'eu-west' } });
      expect((r.content as { text: string }[])[0]!.text).toBe('region eu-west');
    } finally {
      await client.close();
    }
  });

  it('refuses a call whose header disagrees with the body or is missing, and serves one that agrees in Base64', async () => {
    for (const headers of [{ 'mcp-param-region': 'us-east' }, {}] as Record<string, string>[]) {
      const res = await post(headers, { region: 'eu-west' });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ id: 3, error: { code: -32020, message: expect.stringContaining('Mcp-Param-Region') } });
    }
    const ok = await post({ 'mcp-param-region': `=?base64?${Buffer.from('eu-west').toString('base64')}?=` }, { region: 'eu-west' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { content: { text: string }[] } }).result.content[0]!.text).toBe('region eu-west');
  });
});
