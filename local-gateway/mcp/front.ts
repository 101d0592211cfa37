import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createMcpHandler, isInitializeRequest, isLegacyRequest, LOG_LEVEL_META_KEY, Server, WebStandardStreamableHTTPServerTransport, type LoggingLevel, type ServerContext } from '@modelcontextprotocol/server';
import type { CallToolResult, CreateMessageResult, GetPromptResult, ReadResourceResult, Tool } from '@modelcontextprotocol/client';
import { VERSION } from '../core/version.js';
import { toolAllowed } from '../policy/engine/access.js';
import { callTool, type ToolCallDeps } from './call.js';
import { collapseAnswer, type JsonAnswer } from './sse.js';
import type { ResourceListener } from './content.js';
import { InputFlows, type Flow } from './input-flows.js';
import { paramHeadersRefusal } from './param-headers.js';
import { clientCaps, serveTasks, taskMode, taskOwner, TaskStore, TASKS_EXTENSION } from './tasks.js';
import { getPrompt, readResource } from './content-call.js';
import { completeVisible, subscribeVisible, visiblePrompts, visibleResources, visibleTemplates, watchContentRules } from './content-access.js';
import type { CallerChannel } from './upstream.js';

/**
 * The one virtual server `/mcp` presents: every upstream's tools, and list changes passed on.
 * Both protocol revisions are served from the same factory: 2025-11-25 clients (initialize,
 * `Mcp-Session-Id`, the GET stream) get a session each; stateless 2026-07-28 requests go to
 * the SDK's per-request handler.
 */
export interface McpFront {
  /** A POST's SSE answer holding only its result comes back as JSON (`collapseAnswer`). */
  handle(request: Request, parsedBody: unknown, headers: IncomingHttpHeaders): Promise<Response | JsonAnswer>;
  close(): Promise<void>;
}

/** The tools the active tier lets callers see (`tools.allow`/`deny`). A shadow tier hides nothing: its would-deny is recorded on each call of the tool. */
async function visibleTools(deps: ToolCallDeps): Promise<Tool[]> {
  const { tools } = await deps.catalogue.list();
  const tier = deps.policy.source.current().tiers.get(deps.policy.active);
  return tier ? tools.filter((t) => toolAllowed(tier, t.name)) : tools;
}

/**
 * What a tool call's upstream may send its client while it runs: progress when the client
 * gave a token, and, in a session, elicitation, sampling and roots when the client declared
 * them (a 2026-07-28 client is asked through `input_required` results instead: input-flows.ts).
 */
function callerOf(server: Server, ctx: ServerContext, session: boolean, sessionLevel: LoggingLevel | undefined): CallerChannel {
  const token = ctx.mcpReq._meta?.progressToken;
  const caps = session ? server.getClientCapabilities() : undefined;
  // A session takes logs from the level it set (all without logging/setLevel); a 2026-07-28 request only when its _meta names a level.
  const metaLevel = ctx.mcpReq._meta?.[LOG_LEVEL_META_KEY] as LoggingLevel | undefined;
  const level = session ? (sessionLevel ?? 'debug') : metaLevel;
  return {
    ...(level !== undefined
      ? { log: (p) => void (atLeast(p.level, level) ? ctx.mcpReq.notify({ method: 'notifications/message', params: p }).catch(() => undefined) : undefined) }
      : {}),
    ...(token !== undefined ? { progress: (p) => void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...p } }).catch(() => undefined) } : {}),
    ...(caps?.elicitation ? { elicit: (params) => ctx.mcpReq.elicitInput(params) } : {}),
    ...(caps?.sampling ? { sample: (params) => ctx.mcpReq.requestSampling(params) as Promise<CreateMessageResult> } : {}),
    ...(caps?.roots ? { roots: () => ctx.mcpReq.send({ method: 'roots/list' }) } : {}),
  };
}

const LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const atLeast = (level: LoggingLevel, floor: LoggingLevel) => LEVELS.indexOf(level) >= LEVELS.indexOf(floor);

const jsonRpcError = (status: number, code: number, message: string) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), { status, headers: { 'content-type': 'application/json' } });

export function createMcpFront(deps: ToolCallDeps): McpFront {
  const sessions = new Map<string, { transport: WebStandardStreamableHTTPServerTransport; server: Server }>();
  const flows = new InputFlows<CallToolResult | GetPromptResult | ReadResourceResult>();
  const tasks = new TaskStore();
  const owner = (ctx: ServerContext) => taskOwner(ctx, deps.identity.current());

  /** `session`: a 2025-11-25 session, which can carry the upstream's questions back to its client while a call runs. */
  function serverFor(headersOf: () => IncomingHttpHeaders, session: boolean): Server {
    // Logging levels and resource subscriptions are a session's (2026-07-28 removed both methods).
    // The tasks extension (tasks.ts) is a 2026-07-28 one.
    const capabilities = { tools: { listChanged: true }, resources: { listChanged: true, ...(session ? { subscribe: true } : {}) }, prompts: { listChanged: true }, completions: {}, ...(session ? { logging: {} } : { extensions: { [TASKS_EXTENSION]: {} } }) };
    // A stateless request's requestState is ours (input-flows.ts): the seam refuses one that fails its HMAC.
    const server = new Server({ name: 'gatehouse', version: VERSION }, { capabilities, ...(session ? {} : { requestState: { verify: flows.verify } }) });
    let level: LoggingLevel | undefined;
    if (session) {
      server.setRequestHandler('logging/setLevel', (req) => {
        level = req.params.level;
        return {};
      });
      const listener = listenerOf(server);
      server.setRequestHandler('resources/subscribe', async (req) => (await subscribeVisible(deps, req.params.uri, listener), {}));
      server.setRequestHandler('resources/unsubscribe', async (req) => (await deps.catalogue.content.unsubscribe(req.params.uri, listener), {}));
    } else serveTasks(server, tasks, owner);
    server.setRequestHandler('tools/list', async () => ({ tools: await visibleTools(deps) }));
    // The upstreams' prompts and resources: a get or read is traced and under policy, as a tool call is.
    const headersNow = (ctx: ServerContext) => (ctx.http?.req ? Object.fromEntries(ctx.http.req.headers) : headersOf());
    server.setRequestHandler('prompts/list', () => visiblePrompts(deps));
    server.setRequestHandler('prompts/get', (req, ctx) => {
      const caller = callerOf(server, ctx, session, level);
      if (session) return getPrompt(deps, req.params, headersNow(ctx), caller);
      return flows.round(ctx, `prompt ${req.params.name}`, caller, (channel, signal) => getPrompt(deps, req.params, headersNow(ctx), channel, signal));
    });
    server.setRequestHandler('resources/list', () => visibleResources(deps));
    server.setRequestHandler('resources/templates/list', () => visibleTemplates(deps));
    server.setRequestHandler('resources/read', (req, ctx) => {
      const caller = callerOf(server, ctx, session, level);
      if (session) return readResource(deps, req.params, headersNow(ctx), caller);
      return flows.round(ctx, `resource ${req.params.uri}`, caller, (channel, signal) => readResource(deps, req.params, headersNow(ctx), channel, signal));
    });
    server.setRequestHandler('completion/complete', (req) => completeVisible(deps, req.params));
    server.setRequestHandler('tools/call', async (req, ctx) => {
      const headers = ctx.http?.req ? Object.fromEntries(ctx.http.req.headers) : headersOf();
      const caller = callerOf(server, ctx, session, level);
      if (session) return callTool(deps, req.params, headers, ctx.mcpReq.signal, caller);
      const run = (channel: CallerChannel, signal: AbortSignal) => callTool(deps, req.params, headers, signal, channel);
      const mode = taskMode(ctx, req.params.name, await deps.catalogue.tool(req.params.name));
      // A task is answered as the extension says (`resultType: "task"`), which the SDK's result types do not know.
      if (mode === 'now' && ctx.mcpReq.requestState() === undefined) return tasks.create(clientCaps(ctx) ?? {}, run, owner(ctx)) as unknown as CallToolResult;
      const escalate = mode ? (flow: Flow<CallToolResult | GetPromptResult | ReadResourceResult>) => tasks.continueAsTask(flow as Flow<CallToolResult>, owner(ctx)) : undefined;
      return flows.round(ctx, `tool ${req.params.name}`, caller, run, escalate);
    });
    return server;
  }

  /** One listener per session, so its subscriptions can be ended with it. */
  const listeners = new WeakMap<Server, ResourceListener>();
  function listenerOf(server: Server): ResourceListener {
    let l = listeners.get(server);
    if (!l) {
      l = (uri) => void server.sendResourceUpdated({ uri }).catch(() => undefined);
      listeners.set(server, l);
    }
    return l;
  }

  // A modern request's headers are its own; the handler hands the request to the factory.
  const modern = createMcpHandler(({ requestInfo }) => serverFor(() => Object.fromEntries(requestInfo?.headers ?? []), false), { legacy: 'reject' });

  let closed = false;
  const toolsChanged = () => {
    if (closed) return;
    for (const { server } of sessions.values()) void server.sendToolListChanged().catch(() => undefined);
    modern.notify.toolsChanged();
  };
  const unsubscribe = deps.catalogue.onChanged(toolsChanged);
  const contentChanged = (what: 'prompts' | 'resources') => {
    if (closed) return;
    for (const { server } of sessions.values()) void (what === 'prompts' ? server.sendPromptListChanged() : server.sendResourceListChanged()).catch(() => undefined);
    if (what === 'prompts') modern.notify.promptsChanged();
    else modern.notify.resourcesChanged();
  };
  const unsubscribeContent = deps.catalogue.content.onChanged(contentChanged);
  watchContentRules(deps, contentChanged);
  // A policy change that moves the active tier's `tools` lists changes what `tools/list` shows.
  const toolRules = () => JSON.stringify(deps.policy.source.current().tiers.get(deps.policy.active)?.tools ?? null);
  let shownFor = toolRules();
  deps.policy.source.onChange(() => {
    const now = toolRules();
    if (now === shownFor) return;
    shownFor = now;
    toolsChanged();
  });

  async function legacy(request: Request, parsedBody: unknown, headers: IncomingHttpHeaders): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    if (id) {
      const s = sessions.get(id);
      if (!s) return jsonRpcError(404, -32001, `No MCP session ${id} on this gateway (it restarted, or the session was closed): initialize again.`);
      current.set(s.server, headers);
      return s.transport.handleRequest(request, { parsedBody });
    }
    if (request.method !== 'POST' || !isInitializeRequest(parsedBody)) {
      return jsonRpcError(400, -32600, 'Send initialize first (no Mcp-Session-Id header), or a 2026-07-28 request with its protocol version in _meta.');
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sid) => void sessions.set(sid, { transport, server }),
      onsessionclosed: (sid) => void sessions.delete(sid),
    });
    const server = serverFor(() => current.get(server) ?? headers, true);
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      void deps.catalogue.content.unsubscribeAll(listenerOf(server));
    };
    current.set(server, headers);
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody });
  }
  // The headers of the request a session is serving now: a tool call's trace names its own.
  const current = new WeakMap<Server, IncomingHttpHeaders>();

  return {
    async handle(request, parsedBody, headers) {
      // A request naming a live 2025-11-25 session is that session's: no need to classify it.
      const sid = request.headers.get('mcp-session-id');
      const answer = (sid !== null && sessions.has(sid)) || (await isLegacyRequest(request, request.method === 'POST' ? parsedBody : undefined))
        ? await legacy(request, parsedBody, headers)
        : ((request.method === 'POST' ? await paramHeadersRefusal(parsedBody, request.headers, (name) => deps.catalogue.headed(name)) : null) ?? (await modern.fetch(request, { parsedBody })));
      return request.method === 'POST' ? collapseAnswer(answer, request.signal) : answer;
    },
    async close() {
      closed = true;
      flows.close();
      tasks.close();
      unsubscribe();
      unsubscribeContent();
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => undefined)));
      sessions.clear();
      await modern.close();
    },
  };
}
