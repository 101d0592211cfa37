import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ToolCatalogue } from '../../mcp/catalogue.js';
import { createMcpFront, type McpFront } from '../../mcp/front.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The MCP gateway behind `/mcp`: the upstream servers and the virtual server composing them. */
    mcp: { catalogue: ToolCatalogue; front: McpFront };
  }
}

/** Upstream MCP servers are started or connected on first use; closing the gateway stops them. */
async function mcp(app: FastifyInstance): Promise<void> {
  const { config, env, log } = app.runtime;
  const catalogue = new ToolCatalogue(config.mcp, env, log);
  const front = createMcpFront({ catalogue, policy: app.policy, identity: app.identity, record: (ctx) => app.pipeline.record(ctx) });
  app.decorate('mcp', { catalogue, front });
  // Started (and their tools listed) in the background once the gateway is up: a client such as
  // `claude -p` lists tools right after it connects and does not wait for a slow server start.
  app.addHook('onReady', async () => {
    if (!catalogue.empty) void catalogue.list().catch(() => undefined);
  });
  // Before the server stops listening: an open session's GET stream never ends by itself, and the server waits for open requests.
  app.addHook('preClose', async () => {
    await front.close();
  });
  app.addHook('onClose', async () => {
    await catalogue.close();
  });
}

export const mcpPlugin = fp(mcp, { name: 'gatehouse-mcp', dependencies: ['gatehouse-runtime', 'gatehouse-identity', 'gatehouse-policy', 'gatehouse-pipeline'] });
