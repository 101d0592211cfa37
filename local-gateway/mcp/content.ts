import { ProtocolError, UriTemplate, type CompleteRequestParams, type CompleteResult, type GetPromptRequestParams, type GetPromptResult, type Prompt, type ReadResourceRequestParams, type ReadResourceResult, type Resource, type ResourceTemplateType, type ServerCapabilities } from '@modelcontextprotocol/client';
import type { Logger } from '../core/log.js';
import { exposeTools } from './names.js';
import type { CallerChannel, Upstream } from './upstream.js';
import type { Resume } from './upstream-rounds.js';

/** Pages read from one server for one listing: a server that pages forever cannot hold the listing up. */
const MAX_PAGES = 50;

/** Told the URI of a subscribed resource that changed. */
export type ResourceListener = (uri: string) => void;

/** An upstream prompt as `/mcp` exposes it: `<server id>_<prompt>` (or its own name with `prefix: false`), like a tool. */
export interface PromptRoute {
  server: string;
  name: string;
}

/**
 * The upstreams' prompts and resources, composed into the one virtual server as their tools
 * are. Prompts are named `<server id>_<prompt>` like tools; a resource keeps its URI (other
 * content points at it by URI) and its `name` gets the same prefix. A read goes to the server
 * that listed the URI or whose template matches it; with one resource server, to that one. A
 * server that fails to list is left out (and named in the log), never the whole listing.
 */
export class UpstreamContent {
  private prompts = new Map<string, PromptRoute>();
  /** Who is told when a URI changes; the upstream is subscribed while anyone is. */
  private readonly subscribers = new Map<string, Set<ResourceListener>>();
  private owners = new Map<string, string>();
  private templates: { server: string; template: string; match: UriTemplate }[] = [];

  constructor(
    private readonly upstreams: ReadonlyMap<string, Upstream>,
    private readonly log: Logger,
  ) {}

  /** Runs `fn` on every server that has `capability`, leaving out (and logging) one that fails. */
  private async each<T>(capability: keyof ServerCapabilities, what: string, fn: (u: Upstream) => Promise<T>): Promise<{ upstream: Upstream; value: T }[]> {
    const settled = await Promise.allSettled(
      [...this.upstreams.values()].map(async (u) => ((await u.capabilities())[capability] ? { upstream: u, value: await fn(u) } : null)),
    );
    const found: { upstream: Upstream; value: T }[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') {
        if (s.value) found.push(s.value);
      } else this.log.warn(`mcp server left out of ${what}`, { server: [...this.upstreams.keys()][i], err: (s.reason as Error).message });
    });
    return found;
  }

  /** Every page of one listing. */
  private static async pages<T>(read: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await read(cursor);
      all.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return all;
  }

  async listPrompts(): Promise<{ prompts: Prompt[] }> {
    const found = await this.each('prompts', 'prompts/list', (u) =>
      u.request('list its prompts', (c, o) => UpstreamContent.pages(async (cursor) => {
        const r = await c.listPrompts(cursor ? { cursor } : undefined, o);
        return { items: r.prompts, nextCursor: r.nextCursor };
      })),
    );
    const flat = found.flatMap(({ upstream, value }) => value.map((prompt) => ({ upstream, prompt })));
    const names = exposeTools(flat.map((f) => ({ server: f.upstream.id, tool: f.prompt.name, prefix: f.upstream.prefix })));
    this.prompts = new Map(names.map((n) => [n.exposed, { server: n.server, name: n.tool }]));
    return { prompts: flat.map((f, i) => ({ ...f.prompt, name: names[i]!.exposed })) };
  }

  /** The server and upstream name behind an exposed prompt name; a JSON-RPC invalid-params error when no server has it. */
  async promptRoute(exposed: string): Promise<PromptRoute> {
    const route = this.prompts.get(exposed) ?? (await this.listPrompts(), this.prompts.get(exposed));
    if (!route) throw new ProtocolError(-32602, `No MCP server behind Gatehouse has a prompt "${exposed}": list the prompts again (prompts/list).`);
    return route;
  }

  /** Gets a prompt from the server `route` names, under its own name; `caller`: where the server's questions go meanwhile (as for a tool call). */
  getPrompt(route: PromptRoute, params: GetPromptRequestParams, caller?: CallerChannel, signal?: AbortSignal): Promise<GetPromptResult> {
    return this.upstreams.get(route.server)!.request(`get prompt ${route.name}`, (c, o, extra) => c.getPrompt(withRound({ ...params, name: route.name }, extra), o), caller, signal);
  }

  async listResources(): Promise<{ resources: Resource[] }> {
    const found = await this.each('resources', 'resources/list', (u) =>
      u.request('list its resources', (c, o) => UpstreamContent.pages(async (cursor) => {
        const r = await c.listResources(cursor ? { cursor } : undefined, o);
        return { items: r.resources, nextCursor: r.nextCursor };
      })),
    );
    const owners = new Map<string, string>();
    const resources: Resource[] = [];
    for (const { upstream, value } of found) {
      for (const r of value) {
        // Two servers listing one URI: the first keeps it, so a read has one place to go.
        if (owners.has(r.uri)) continue;
        owners.set(r.uri, upstream.id);
        resources.push({ ...r, name: upstream.prefix ? `${upstream.id}_${r.name}` : r.name });
      }
    }
    this.owners = owners;
    return { resources };
  }

  async listResourceTemplates(): Promise<{ resourceTemplates: ResourceTemplateType[] }> {
    const found = await this.each('resources', 'resources/templates/list', (u) =>
      u.request('list its resource templates', (c, o) => UpstreamContent.pages(async (cursor) => {
        const r = await c.listResourceTemplates(cursor ? { cursor } : undefined, o);
        return { items: r.resourceTemplates, nextCursor: r.nextCursor };
      })),
    );
    this.templates = found.flatMap(({ upstream, value }) => value.map((t) => ({ server: upstream.id, template: t.uriTemplate, match: new UriTemplate(t.uriTemplate) })));
    return { resourceTemplates: found.flatMap(({ upstream, value }) => value.map((t) => ({ ...t, name: upstream.prefix ? `${upstream.id}_${t.name}` : t.name }))) };
  }

  /** The server a URI belongs to: the one that listed it, or whose template matches it; with a single resource server, that one. */
  private async ownerOf(uri: string): Promise<Upstream | undefined> {
    const known = () => this.owners.get(uri) ?? this.templates.find((t) => t.template === uri || t.match.match(uri) !== null)?.server;
    let server = known();
    if (!server) {
      await Promise.all([this.listResources(), this.listResourceTemplates()]);
      server = known();
    }
    if (server) return this.upstreams.get(server);
    const withResources = (await this.each('resources', 'resources/read', async () => true)).map((f) => f.upstream);
    return withResources.length === 1 ? withResources[0] : undefined;
  }

  /** The server a resource read goes to; a JSON-RPC invalid-params error when no server has the URI. */
  async resourceOwner(uri: string): Promise<Upstream> {
    const upstream = await this.ownerOf(uri);
    if (!upstream) throw new ProtocolError(-32602, `Resource not found: no MCP server behind Gatehouse has ${uri} (list the resources again).`, { uri });
    return upstream;
  }

  /** `caller`: where the server's questions go while it answers (as for a tool call). */
  readResource(upstream: Upstream, params: ReadResourceRequestParams, caller?: CallerChannel, signal?: AbortSignal): Promise<ReadResourceResult> {
    return upstream.request(`read ${params.uri}`, (c, o, extra) => c.readResource(withRound(params, extra), o), caller, signal);
  }

  /**
   * A client's subscription to a resource: the upstream that has it is subscribed on the
   * first, unsubscribed after the last (clients share one connection to each upstream).
   */
  async subscribe(uri: string, listener: ResourceListener): Promise<void> {
    const set = this.subscribers.get(uri) ?? new Set();
    if (set.size === 0) {
      const upstream = await this.ownerOf(uri);
      if (!upstream) throw new ProtocolError(-32602, `Resource not found: no MCP server behind Gatehouse has ${uri} (list the resources again).`, { uri });
      if ((await upstream.capabilities()).resources?.subscribe) await upstream.watch(uri);
    }
    set.add(listener);
    this.subscribers.set(uri, set);
  }

  async unsubscribe(uri: string, listener: ResourceListener): Promise<void> {
    const set = this.subscribers.get(uri);
    if (!set?.delete(listener) || set.size > 0) return;
    this.subscribers.delete(uri);
    const upstream = await this.ownerOf(uri);
    if (upstream && (await upstream.capabilities()).resources?.subscribe) await upstream.unwatch(uri);
  }

  /** A client that went away: its subscriptions end with it. */
  async unsubscribeAll(listener: ResourceListener): Promise<void> {
    const uris = [...this.subscribers].filter(([, set]) => set.has(listener)).map(([uri]) => uri);
    await Promise.all(uris.map((uri) => this.unsubscribe(uri, listener).catch(() => undefined)));
  }

  private readonly changeListeners = new Set<(what: 'prompts' | 'resources') => void>();

  /** Called when any upstream's prompts or resources changed; returns the unsubscribe. */
  onChanged(listener: (what: 'prompts' | 'resources') => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  changed(what: 'prompts' | 'resources'): void {
    for (const l of this.changeListeners) l(what);
  }

  /** An upstream said `uri` changed: every client subscribed to it is told. */
  updated(uri: string): void {
    for (const l of this.subscribers.get(uri) ?? []) l(uri);
  }

  /** A completion goes where its prompt or resource template lives, under the upstream's own prompt name. */
  async complete(params: CompleteRequestParams): Promise<CompleteResult> {
    const ref = params.ref;
    if (ref.type === 'ref/prompt') {
      const route = await this.promptRoute(ref.name);
      return this.upstreams.get(route.server)!.request('complete', (c, o) => c.complete({ ...params, ref: { type: 'ref/prompt', name: route.name } }, o));
    }
    const upstream = await this.ownerOf(ref.uri);
    if (!upstream) throw new ProtocolError(-32602, `No MCP server behind Gatehouse has a resource template ${ref.uri}.`);
    return upstream.request('complete', (c, o) => c.complete(params, o));
  }
}

/** A request's params with a 2026-07-28 round's answers, state and `_meta` (upstream.ts), the client's own `_meta` kept. */
function withRound<P extends { _meta?: Record<string, unknown> }>(params: P, extra: (Resume & { _meta: Record<string, unknown> }) | undefined): P {
  if (!extra) return params;
  return { ...params, ...extra, _meta: { ...params._meta, ...extra._meta } };
}
