import type { Tool } from '@modelcontextprotocol/client';
import type { McpConfig } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import { UpstreamContent } from './content.js';
import { exposeTools, type ToolRoute } from './names.js';
import { Upstream } from './upstream.js';

/** Every upstream's tools under the names `/mcp` exposes. */
export interface ToolListing {
  tools: Tool[];
  routes: ReadonlyMap<string, ToolRoute>;
  /** Servers that could not list their tools, and why: their tools are left out until they can. */
  missing: { server: string; error: string }[];
  /** The tools by exposed name. */
  byName: ReadonlyMap<string, Tool>;
  /** Those that declare `x-mcp-header` parameters (their calls' headers are checked: param-headers.ts). */
  headed: ReadonlyMap<string, Tool>;
}

/**
 * The upstream servers behind `/mcp`, composed into one virtual server. A server that fails
 * to list its tools is left out of the listing (and named in the log), never the whole list.
 */
export class ToolCatalogue {
  readonly upstreams: ReadonlyMap<string, Upstream>;
  /** Their prompts and resources, composed the same way. */
  readonly content: UpstreamContent;
  private readonly listeners = new Set<() => void>();
  private last: ToolListing | null = null;

  constructor(config: McpConfig, env: NodeJS.ProcessEnv, private readonly log: Logger) {
    const onToolsChanged = () => {
      this.last = null;
      for (const l of this.listeners) l();
    };
    this.upstreams = new Map(
      config.servers.map((s) => [s.id, new Upstream({ config: s, env, timeoutMs: config.timeout_ms, maxResultBytes: Math.floor(config.max_result_mb * 1048576), log, onToolsChanged, onResourceUpdated: (uri) => this.content.updated(uri), onContentChanged: (what) => this.content.changed(what) })]),
    );
    this.content = new UpstreamContent(this.upstreams, log);
  }

  /** Whether any server is configured (else `/mcp` serves an empty tool list). */
  get empty(): boolean {
    return this.upstreams.size === 0;
  }

  async list(): Promise<ToolListing> {
    const ups = [...this.upstreams.values()];
    const settled = await Promise.allSettled(ups.map((u) => u.tools()));
    const found: { server: string; tool: Tool }[] = [];
    const missing: ToolListing['missing'] = [];
    settled.forEach((s, i) => {
      const server = ups[i]!.id;
      if (s.status === 'fulfilled') for (const tool of s.value) found.push({ server, tool });
      else {
        missing.push({ server, error: (s.reason as Error).message });
        this.log.warn('mcp server left out of tools/list', { server, err: (s.reason as Error).message });
      }
    });
    const routes = exposeTools(found.map((f) => ({ server: f.server, tool: f.tool.name, prefix: this.upstreams.get(f.server)!.prefix })));
    const tools = found.map((f, i) => ({ ...f.tool, name: routes[i]!.exposed }));
    const listing: ToolListing = {
      tools,
      routes: new Map(routes.map((r) => [r.exposed, r])),
      missing,
      byName: new Map(tools.map((t) => [t.name, t])),
      headed: new Map(tools.filter((t) => JSON.stringify(t.inputSchema).includes('"x-mcp-header"')).map((t) => [t.name, t])),
    };
    this.last = listing;
    return listing;
  }

  /** Where an exposed name goes: from the last listing, listing again when there is none or it is not in it. */
  async route(exposed: string): Promise<ToolRoute | undefined> {
    return this.last?.routes.get(exposed) ?? (await this.list()).routes.get(exposed);
  }

  /** The tool an exposed name stands for, as last listed. */
  async tool(exposed: string): Promise<Tool | undefined> {
    return (this.last ?? (await this.list())).byName.get(exposed);
  }

  /** The tool an exposed name stands for, if it declares `x-mcp-header` parameters. */
  async headed(exposed: string): Promise<Tool | undefined> {
    return (this.last ?? (await this.list())).headed.get(exposed);
  }

  /** Called when any upstream's tool list changed; returns the unsubscribe. */
  onChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all([...this.upstreams.values()].map((u) => u.close()));
  }
}
