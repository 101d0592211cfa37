/**
 * A gateway for the Responses bench, in its own process: provider `up` is the stand-in as an
 * OpenAI provider (it speaks Responses: pass-through), `chat` the same stand-in declaring chat
 * completions only (so Responses requests are translated). A provider kind that speaks chat
 * only cannot be configured in this build, hence the launcher. Prints `listening <url>`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema, ProviderConfigSchema } from '../../local-gateway/config/schema.js';
import { openaiProvider } from '../../local-gateway/providers/openai/index.js';
import type { ClientApi, ProviderAdapter } from '../../local-gateway/providers/types.js';
import { buildGateway, listenLoopback } from '../../local-gateway/server/app.js';

const [standin, token] = [process.argv[2]!, process.argv[3]!];
const config = ConfigSchema.parse({ providers: [{ id: 'up', kind: 'openai', base_url: standin }] });
const app = await buildGateway({ config, configFile: null, home: mkdtempSync(join(tmpdir(), 'gatehouse-bench-responses-')), token: { value: token, source: 'env', file: null }, env: {}, logging: false });
const chat = openaiProvider(ProviderConfigSchema.parse({ id: 'chat', kind: 'openai', base_url: standin }), { timeouts: config.timeouts, env: {} });
(app.gateway.providers as Map<string, ProviderAdapter>).set('chat', { ...chat, apis: new Set<ClientApi>(['chat.completions']) });
process.stdout.write(`listening ${await listenLoopback(app, 0)}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
