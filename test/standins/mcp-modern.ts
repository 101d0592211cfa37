/**
 * An upstream MCP server that speaks ONLY the stateless 2026-07-28 revision (the SDK server
 * with `legacy: 'reject'`: no initialize, no session, `server/discover`), over Streamable HTTP
 * with `startModernStandin`, or over stdio when run as a script
 * (`tsx test/standins/mcp-modern.ts`). It has the tools stand-in's tools (echo, ask, summarize,
 * crash, hang, garble…), whose questions are input_required results here, and some of its own:
 * `checkpoint` asks for a confirmation carrying a requestState it signed (so a gateway must
 * echo it unchanged), and `grow` adds a tool and says so on the subscription stream.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { acceptedContent, createMcpHandler, createRequestStateCodec, inputRequired, McpServer, type RequestStateCodec } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
import { listenWeb } from './mcp-http.js';
import { inputToolsCodec, registerInputTools } from './mcp-input-tools.js';
import { toolsServer } from './mcp-tools.js';

export const MODERN_STANDIN_SCRIPT = fileURLToPath(import.meta.url);

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

interface Shared {
  grown: boolean;
  onGrow(): void;
  /** Says `modern://watched` changed, to those listening for it. */
  onTouch(): void;
  events: string[];
}

function modernServer(mode: 'stdio' | 'http', shared: Shared, codec: RequestStateCodec<{ step: number }>): McpServer {
  const server = toolsServer(mode, false, shared.events);
  server.registerTool('checkpoint', { description: 'Asks for a confirmation, carrying a state of its own', inputSchema: z.object({}) }, async (_a, ctx) => {
    // Checked here rather than at the seam: the tools server is the tools stand-in's, built without a verifier.
    const raw = ctx.mcpReq.requestState<string>();
    const state = raw === undefined ? undefined : await codec.verify(raw, ctx);
    const ok = acceptedContent<{ ok: boolean }>(ctx.mcpReq.inputResponses, 'confirm');
    if (state?.step === 1 && ok) return text(`confirmed at step ${state.step}: ${String(ok.ok)}`);
    return inputRequired({ inputRequests: { confirm: inputRequired.elicit({ message: 'Go on?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } }) }, requestState: await codec.mint({ step: 1 }) });
  });
  server.registerTool('grow', { description: 'Adds a tool named "added" (tools list_changed on the subscription stream)', inputSchema: z.object({}) }, () => {
    shared.grown = true;
    // Over stdio the one pinned server says it itself; over HTTP each request has a server of its own, so the handler says it.
    if (mode === 'stdio') server.registerTool('added', { description: 'Added at run time' }, () => text('added works'));
    shared.onGrow();
    return text('grown');
  });
  // A resource whose updates go out on the subscription streams that name it (2026-07-28 has no resources/subscribe).
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true }, logging: {} });
  server.registerResource('watched', 'modern://watched', { mimeType: 'text/plain' }, () => ({ contents: [{ uri: 'modern://watched', mimeType: 'text/plain', text: 'watched' }] }));
  server.registerTool('touch', { description: 'Changes modern://watched', inputSchema: z.object({}) }, async () => {
    if (mode === 'stdio') await server.server.sendResourceUpdated({ uri: 'modern://watched' });
    shared.onTouch();
    return text('touched');
  });
  server.registerTool('note', { description: 'Logs a line while it runs (2026-07-28: only to a request naming a log level)', inputSchema: z.object({}) }, async (_a, ctx) => {
    await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data: 'noted' } });
    return text('noted');
  });
  // A prompt that asks which branch first: its question must reach the client under its own key.
  server.registerPrompt('briefing', { description: 'Asks which branch to brief on' }, (ctx) => {
    const got = acceptedContent<{ branch: string }>(ctx.mcpReq.inputResponses, 'pick');
    if (got) return { messages: [{ role: 'user', content: { type: 'text', text: `Brief on ${got.branch}` } }] };
    return inputRequired({ inputRequests: { pick: inputRequired.elicit({ message: 'Which branch?', requestedSchema: { type: 'object', properties: { branch: { type: 'string' } }, required: ['branch'] } }) } });
  });
  if (shared.grown) server.registerTool('added', { description: 'Added at run time' }, () => text('added works'));
  return server;
}

export interface ModernStandin {
  url: string;
  /** The `MCP-Protocol-Version` header and JSON-RPC method of every request, in order. */
  seen: { version: string | null; method: string }[];
  events: string[];
  close(): Promise<void>;
}

/**
 * The conformance suite's multi-round-trip tools and prompt (mcp-input-tools.ts) on a
 * 2026-07-28-only server, one codec for every request's server (each request has its own).
 */
export function inputToolsFactory(): () => McpServer {
  const codec = inputToolsCodec();
  return () => {
    const server = new McpServer({ name: 'standin-mrtr', version: '1.0.0' }, { capabilities: { tools: {}, prompts: {} }, requestState: { verify: codec.verify } });
    registerInputTools(server, codec);
    return server;
  };
}

/** Over HTTP: the tools stand-in's tools and this file's, or those of `factory`. */
export async function startModernStandin(factory?: () => McpServer): Promise<ModernStandin> {
  const seen: ModernStandin['seen'] = [];
  const codec = createRequestStateCodec<{ step: number }>({ key: randomBytes(32) });
  const shared: Shared = { grown: false, onGrow: () => handler.notify.toolsChanged(), onTouch: () => handler.notify.resourceUpdated('modern://watched'), events: [] };
  const handler = createMcpHandler(factory ?? (() => modernServer('http', shared, codec)), { legacy: 'reject' });
  const http = await listenWeb(async (request, body) => {
    seen.push({ version: request.headers.get('mcp-protocol-version'), method: String((body as { method?: unknown } | undefined)?.method ?? request.method) });
    return handler.fetch(request, { parsedBody: body });
  });
  return {
    url: http.url,
    seen,
    events: shared.events,
    close: async () => {
      await handler.close();
      await http.close();
    },
  };
}

if (process.argv[1] === MODERN_STANDIN_SCRIPT) {
  const shared: Shared = { grown: false, onGrow: () => undefined, onTouch: () => undefined, events: [] };
  const codec = createRequestStateCodec<{ step: number }>({ key: randomBytes(32) });
  serveStdio(() => modernServer('stdio', shared, codec), { legacy: 'reject' });
}
