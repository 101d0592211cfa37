import type { FastifyInstance } from 'fastify';
import type { GatewayOptions } from '../options.js';
import { eventsPlugin } from './events.js';
import { gatewayPlugin } from './gateway.js';
import { identityPlugin } from './identity.js';
import { mcpPlugin } from './mcp.js';
import { pipelinePlugin } from './pipeline.js';
import { policyPlugin } from './policy.js';
import { providersPlugin } from './providers.js';
import { runtimePlugin } from './runtime.js';
import { storePlugin } from './store.js';
import { syncPlugin } from './sync.js';
import { retentionPlugin } from './retention.js';
import { telemetryPlugin } from './telemetry.js';

/**
 * The gateway's services, one plugin each, in dependency order. Fastify closes them in the
 * reverse order: sync before the policy and the store, the store before nothing else needs it.
 */
export async function registerServices(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  await app.register(runtimePlugin, opts);
  await app.register(providersPlugin);
  await app.register(identityPlugin);
  await app.register(storePlugin);
  await app.register(policyPlugin, opts);
  await app.register(retentionPlugin, opts);
  await app.register(eventsPlugin);
  await app.register(syncPlugin, opts);
  await app.register(telemetryPlugin, opts);
  await app.register(pipelinePlugin);
  await app.register(mcpPlugin);
  await app.register(gatewayPlugin);
}
