/**
 * Serves an MCP server built with the official SDK over Streamable HTTP on 127.0.0.1, a fresh
 * server per client: a 2025-11-25 client gets its own session (initialize, `Mcp-Session-Id`),
 * so the server knows its capabilities and can ask it questions (elicitation, sampling) on
 * the stream of a call; a stateless 2026-07-28 request goes to the SDK's per-request handler.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createMcpHandler, isInitializeRequest, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type McpServer } from '@modelcontextprotocol/server';

export interface McpHttpServing {
  url: string;
  /** Authorization headers each request carried, in order. */
  authorizations: (string | null)[];
  /** Sessions opened so far (2025-11-25 clients). */
  sessions: () => number;
  close(): Promise<void>;
}

/** 2025-11-25 sessions: an initialize opens one, with a server of its own from `factory`. */
export function legacySessions(factory: () => { connect: McpServer['connect'] }) {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  let opened = 0;
  return {
    has: (sid: string | null) => sid !== null && sessions.has(sid),
    opened: () => opened,
    async handle(request: Request, body: unknown): Promise<Response> {
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
    },
    close: () => Promise.all([...sessions.values()].map((t) => t.close().catch(() => undefined))),
  };
}

/** Listens on 127.0.0.1 and hands each request to `handle` as a web Request with its parsed JSON body. */
export async function listenWeb(handle: (request: Request, body: unknown, req: IncomingMessage) => Promise<Response>): Promise<{ url: string; close(): Promise<void> }> {
  const http: HttpServer = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const raw = chunks.length > 0 ? Buffer.concat(chunks).toString() : undefined;
    // A client that hangs up ends the request (2026-07-28 cancels a call so, closing its stream).
    const gone = new AbortController();
    res.once('close', () => void (res.writableFinished || gone.abort()));
    const response = await handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: raw, signal: gone.signal }), raw ? JSON.parse(raw) : undefined, req);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const c of response.body) res.write(c);
    res.end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

export async function serveMcpHttp(factory: () => McpServer): Promise<McpHttpServing> {
  const legacy = legacySessions(factory);
  const modern = createMcpHandler(factory, { legacy: 'reject' });
  const authorizations: (string | null)[] = [];
  const http = await listenWeb(async (request, body, req) => {
    authorizations.push(req.headers.authorization ?? null);
    const isLegacy = legacy.has(request.headers.get('mcp-session-id')) || (await isLegacyRequest(request, request.method === 'POST' ? body : undefined));
    return isLegacy ? legacy.handle(request, body) : modern.fetch(request, { parsedBody: body });
  });
  return {
    url: http.url,
    authorizations,
    sessions: legacy.opened,
    close: async () => {
      await legacy.close();
      await modern.close();
      await http.close();
    },
  };
}
