import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ToolCatalogue } from '../../mcp/catalogue.js';
import type { McpFront } from '../../mcp/front.js';

export interface McpGateway {
  catalogue: ToolCatalogue;
  front: McpFront;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The MCP gateway behind `/mcp`: the upstream servers and the virtual server composing them,
     * loaded with the first `/mcp` call, or at start when servers are configured.
     */
    mcp: { load(): Promise<McpGateway> };
  }
}

/**
 * Upstream MCP servers are started or connected on first use; closing the gateway stops them.
 * The MCP SDK is loaded only when it is needed: a gateway no agent reaches tools through does
 * not carry it (about 15 MB of an idle gateway's memory).
 */
async function mcp(app: FastifyInstance): Promise<void> {
  const { config, env, log } = app.runtime;
  let loading: Promise<McpGateway> | null = null;
  const load = (): Promise<McpGateway> =>
    (loading ??= (async () => {
      const [{ ToolCatalogue }, { createMcpFront }] = await Promise.all([import('../../mcp/catalogue.js'), import('../../mcp/front.js')]);
      const catalogue = new ToolCatalogue(config.mcp, env, log);
      const front = createMcpFront({ catalogue, policy: app.policy, identity: app.identity, record: (ctx) => app.pipeline.record(ctx) });
      return { catalogue, front };
    })());
  app.decorate('mcp', { load });
  // Started (and their tools listed) in the background once the gateway is up: a client such as
  // `claude -p` lists tools right after it connects and does not wait for a slow server start.
  app.addHook('onReady', async () => {
    if (config.mcp.servers.length > 0) void load().then((m) => m.catalogue.list()).catch(() => undefined);
  });
  // Before the server stops listening: an open session's GET stream never ends by itself, and the server waits for open requests.
  app.addHook('preClose', async () => {
    if (loading) await (await loading).front.close();
  });
  app.addHook('onClose', async () => {
    if (loading) await (await loading).catalogue.close();
  });
}

export const mcpPlugin = fp(mcp, { name: 'gatehouse-mcp', dependencies: ['gatehouse-runtime', 'gatehouse-identity', 'gatehouse-policy', 'gatehouse-pipeline'] });
