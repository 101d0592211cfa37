import { TEST_TOKEN, type TestGateway } from './gateway.js';

/**
 * One raw 2026-07-28 request to `/mcp`, as a stateless client sends it: no session, the
 * revision, the client and its capabilities in `_meta`, the method and name in headers. The
 * answer's JSON-RPC body, typed by the caller.
 */
export async function statelessRequest<T>(gw: TestGateway, method: 'tools/call' | 'prompts/get', params: { name: string } & Record<string, unknown>, capabilities: Record<string, unknown>): Promise<T> {
  const _meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': capabilities };
  const res = await fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, 'mcp-name': params.name },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta } }),
  });
  return (await res.json()) as T;
}
