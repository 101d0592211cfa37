/**
 * An MCP server built with the official SDK, as an upstream behind `/mcp`: over stdio when run
 * as a script (`tsx test/standins/mcp-tools.ts`), or over Streamable HTTP on 127.0.0.1 with
 * `startMcpHttpStandin`. Its tools misbehave on demand: crash, hang, send malformed JSON-RPC,
 * answer with a huge result, or add a tool (so the server says its tool list changed). Others
 * talk back while they run: report progress and wait to be cancelled, ask their client a
 * question (elicitation), or ask it to sample a model.
 */
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inputRequired, inputResponse, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
import { serveMcpHttp, type McpHttpServing } from './mcp-http.js';

export const STANDIN_SCRIPT = fileURLToPath(import.meta.url);

/** The tools, on a fresh SDK server; `mode` says which transport it is on (so a crash is a crash of the process only on stdio). */
export function toolsServer(mode: 'stdio' | 'http', longName = false, events: string[] = []): McpServer {
  const server = new McpServer({ name: 'standin-tools', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  server.registerTool('echo', { description: 'Echoes its text', inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
  server.registerTool('query', { description: 'Runs a SQL query (pretend)', inputSchema: z.object({ query: z.string() }) }, ({ query }) => ({ content: [{ type: 'text', text: `ran: ${query}` }] }));
  server.registerTool('read_file', { description: 'Reads a file (pretend); its content may carry an email', inputSchema: z.object({ path: z.string() }) }, ({ path }) => ({
    content: [{ type: 'text', text: `contents of ${path}: contact jane.doe@example.com` }],
  }));
  server.registerTool('crash', { description: 'Exits the server process' }, () => {
    if (mode === 'stdio') process.exit(3);
    throw new Error('crashed');
  });
  server.registerTool('hang', { description: 'Never answers' }, () => new Promise<never>(() => undefined));
  server.registerTool('huge', { description: 'Answers with about 3 MB', inputSchema: z.object({ mb: z.number() }) }, ({ mb }) => ({ content: [{ type: 'text', text: 'x'.repeat(Math.floor(mb * 1048576)) }] }));
  server.registerTool('garble', { description: 'Writes malformed JSON-RPC to stdout, then never answers' }, () => {
    process.stdout.write('{"jsonrpc":"2.0","id":\n');
    return new Promise<never>(() => undefined);
  });
  server.registerTool('add_tool', { description: 'Adds a tool named "added" (tools/list_changed)' }, () => {
    server.registerTool('added', { description: 'Added at run time' }, () => ({ content: [{ type: 'text', text: 'added works' }] }));
    return { content: [{ type: 'text', text: 'added' }] };
  });
  server.registerTool('slow', { description: 'Reports progress, then waits until it is cancelled', inputSchema: z.object({ steps: z.number() }) }, async ({ steps }, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } });
    }
    await new Promise<void>((resolve) => (ctx.mcpReq.signal.aborted ? resolve() : ctx.mcpReq.signal.addEventListener('abort', () => resolve(), { once: true })));
    events.push('slow cancelled');
    return { content: [{ type: 'text', text: 'cancelled' }] };
  });
  // Its questions are input_required results (2026-07-28), which the SDK turns into server→client requests on a 2025-11-25 session.
  server.registerTool('ask', { description: 'Asks its client which branch to use (elicitation)', inputSchema: z.object({}) }, (_args, ctx) => {
    const r = inputResponse(ctx.mcpReq.inputResponses, 'branch');
    if (r.kind === 'elicit') return { content: [{ type: 'text', text: `answer: ${r.action} ${JSON.stringify(r.content ?? {})}` }] };
    return inputRequired({ inputRequests: { branch: inputRequired.elicit({ message: 'Which branch?', requestedSchema: { type: 'object', properties: { branch: { type: 'string' } }, required: ['branch'] } }) } });
  });
  server.registerTool('summarize', { description: 'Asks its client to sample a model', inputSchema: z.object({ text: z.string().optional() }) }, (args, ctx) => {
    const r = inputResponse(ctx.mcpReq.inputResponses, 'summary');
    if (r.kind !== 'sampling') return inputRequired({ inputRequests: { summary: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${args.text ?? 'hello'}` } }], maxTokens: 20 }) } });
    const content = Array.isArray(r.result.content) ? r.result.content[0] : r.result.content;
    return { content: [{ type: 'text', text: `sampled by ${r.result.model}: ${content?.type === 'text' ? content.text : '?'}` }] };
  });
  if (longName) server.registerTool('a_tool_whose_name_is_far_too_long_for_claude_code_to_accept_it', { description: 'Long' }, () => ({ content: [{ type: 'text', text: 'long ok' }] }));
  return server;
}

export interface McpHttpStandin extends McpHttpServing {
  /** What its tools saw happen, e.g. `slow cancelled`, in every session. */
  events: string[];
}

/**
 * The same tools over Streamable HTTP, a server per client (see `serveMcpHttp`): a 2025-11-25
 * session keeps its server, so a tool added at run time stays for it, a cancellation reaches
 * the running call, and its questions (elicitation, sampling) go to the session's client.
 */
export async function startMcpHttpStandin(): Promise<McpHttpStandin> {
  const events: string[] = [];
  return { ...(await serveMcpHttp(() => toolsServer('http', false, events))), events };
}

if (process.argv[1] === STANDIN_SCRIPT) {
  const longName = process.argv.includes('--long-name');
  // Over stdio the events go to the file STANDIN_EVENTS names, one a line, for the test to read.
  const file = process.env.STANDIN_EVENTS;
  const events = file ? { push: (e: string) => (appendFileSync(file, `${e}\n`), 0) } : [];
  serveStdio(() => toolsServer('stdio', longName, events as string[]));
}
