/**
 * The active tier's `prompts`/`resources` lists through `/mcp` beyond the listings of prompts
 * and resources: a hidden resource template is not listed, a hidden prompt or template is not
 * completed, a hidden resource is not subscribed to (each refused as not found, before it
 * reaches its server), while what the tier shows works as before. An SDK client against a
 * real gateway fronting a stand-in with templates, completions and subscriptions.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { completable, McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';
import { serveMcpHttp, type McpHttpServing } from './standins/mcp-http.js';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    resources: { deny: ["wiki://internal*"] }
    prompts: { deny: ["wiki_secret"] }
`;

/** What the stand-in was asked, so a refusal can be shown not to have reached it. */
const asked: string[] = [];

function wikiServer(): McpServer {
  const server = new McpServer({ name: 'standin-wiki', version: '1.0.0' }, { capabilities: { resources: { subscribe: true }, prompts: {}, completions: {} } });
  const page = (prefix: string) =>
    new ResourceTemplate(`wiki://${prefix}/{page}`, { list: undefined, complete: { page: (v) => (asked.push(`complete ${prefix}`), ['home', 'help'].filter((p) => p.startsWith(v))) } });
  for (const prefix of ['public', 'internal']) {
    server.registerResource(`${prefix}-page`, page(prefix), { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: `${prefix} page` }] }));
    server.registerResource(`${prefix}-index`, `wiki://${prefix}-index`, { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: 'index' }] }));
  }
  for (const name of ['open', 'secret']) {
    server.registerPrompt(name, { argsSchema: z.object({ topic: completable(z.string(), (v) => (asked.push(`complete ${name}`), ['gateway', 'guardrails'].filter((t) => t.startsWith(v)))) }) }, ({ topic }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `About ${topic}` } }],
    }));
  }
  server.server.setRequestHandler('resources/subscribe', (req) => (asked.push(`subscribe ${req.params.uri}`), {}));
  server.server.setRequestHandler('resources/unsubscribe', () => ({}));
  return server;
}

let wiki: McpHttpServing;
let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  wiki = await serveMcpHttp(wikiServer);
  // Pinned to 2025-11-25, where a subscription is the server's resources/subscribe (2026-07-28 listens instead).
  gw = await startGateway({ policy: writePolicy(POLICY), tiers: { active: 'dev', shadow: [] }, mcp: { servers: [{ id: 'wiki', url: wiki.url, protocol: '2025-11-25' }] } });
  client = new Client({ name: 'test-ide', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await wiki?.close();
});

const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as { code: number; message: string });

describe("the tier's prompts and resources lists beyond the listings", () => {
  it('leaves a hidden resource template out of resources/templates/list', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['wiki://public/{page}']);
  });

  it('completes a shown prompt and template, and refuses a hidden one as not found without asking its server', async () => {
    const prompt = await client.complete({ ref: { type: 'ref/prompt', name: 'wiki_open' }, argument: { name: 'topic', value: 'gu' } });
    expect(prompt.completion.values).toEqual(['guardrails']);
    const template = await client.complete({ ref: { type: 'ref/resource', uri: 'wiki://public/{page}' }, argument: { name: 'page', value: 'he' } });
    expect(template.completion.values).toEqual(['help']);
    asked.length = 0;
    expect(await refusal(client.complete({ ref: { type: 'ref/prompt', name: 'wiki_secret' }, argument: { name: 'topic', value: 'g' } }))).toMatchObject({ code: -32602, message: expect.stringContaining('wiki_secret') });
    expect(await refusal(client.complete({ ref: { type: 'ref/resource', uri: 'wiki://internal/{page}' }, argument: { name: 'page', value: 'h' } }))).toMatchObject({ code: -32602 });
    expect(asked).toEqual([]);
  });

  it('subscribes to a shown resource, and refuses a hidden one as not found without asking its server', async () => {
    asked.length = 0;
    await client.subscribeResource({ uri: 'wiki://public-index' });
    expect(asked).toEqual(['subscribe wiki://public-index']);
    expect(await refusal(client.subscribeResource({ uri: 'wiki://internal-index' }))).toMatchObject({ code: -32602, message: expect.stringContaining('wiki://internal-index') });
    expect(asked).toEqual(['subscribe wiki://public-index']);
  });
});
