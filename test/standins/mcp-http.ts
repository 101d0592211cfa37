/**
 * Serves an MCP server built with the official SDK over Streamable HTTP on 127.0.0.1, a fresh
 * server per client: a 2025-11-25 client gets its own session (initialize, `Mcp-Session-Id`),
 * so the server knows its capabilities and can ask it questions (elicitation, sampling) on
 * the stream of a call; a stateless 2026-07-28 request goes to the SDK's per-request handler.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import { createMcpHandler, isInitializeRequest, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type McpServer } from '@modelcontextprotocol/server';

export interface McpHttpServing {
  url: string;
  /** Authorization headers each request carried, in order. */
  authorizations: (string | null)[];
  /** Sessions opened so far (2025-11-25 clients). */
  sessions: () => number;
  close(): Promise<void>;
}

export async function serveMcpHttp(factory: () => McpServer): Promise<McpHttpServing> {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  let opened = 0;
  const modern = createMcpHandler(factory, { legacy: 'reject' });
  const legacy = async (request: Request, body: unknown): Promise<Response> => {
    const sid = request.headers.get('mcp-session-id');
    const known = sid ? sessions.get(sid) : undefined;
    if (known) return known.handleRequest(request, { parsedBody: body });
    if (sid || request.method !== 'POST' || !isInitializeRequest(body)) {
      return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'initialize first' } }, { status: sid ? 404 : 400 });
    }
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void sessions.set(id, transport), onsessionclosed: (id) => void sessions.delete(id) });
    opened++;
    await factory().connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  };
  const authorizations: (string | null)[] = [];
  const http: HttpServer = createServer(async (req, res) => {
    authorizations.push(req.headers.authorization ?? null);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const raw = chunks.length > 0 ? Buffer.concat(chunks).toString() : undefined;
    const body: unknown = raw ? JSON.parse(raw) : undefined;
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: raw });
    const sid = request.headers.get('mcp-session-id');
    const isLegacy = (sid !== null && sessions.has(sid)) || (await isLegacyRequest(request, request.method === 'POST' ? body : undefined));
    const response = isLegacy ? await legacy(request, body) : await modern.fetch(request, { parsedBody: body });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const c of response.body) res.write(c);
    res.end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    authorizations,
    sessions: () => opened,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => undefined)));
      await modern.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
