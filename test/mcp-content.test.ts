/**
 * The upstreams' prompts and resources through `/mcp`, with the official SDK client: composed
 * into the one virtual server like tools (prompts and resource names as `<server id>_<name>`,
 * resource URIs kept), each read and completion routed to the server it belongs to, a server
 * without them left out, and what no server has answered with a JSON-RPC error that says so.
 * Also resource subscriptions (the upstream subscribed while a session is, its updates passed
 * on) and the upstream's log messages during a call, filtered by the session's level.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { startMcpReferenceStandin, type McpReferenceStandin } from './standins/mcp-reference.js';
import { startMcpHttpStandin, type McpHttpStandin } from './standins/mcp-tools.js';

let docs: McpReferenceStandin;
let remote: McpHttpStandin;
let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  docs = await startMcpReferenceStandin();
  remote = await startMcpHttpStandin();
  // `remote` has tools only: it must not be asked for prompts or resources, nor break their listing.
  gw = await startGateway({ mcp: { servers: [{ id: 'remote', url: remote.url }, { id: 'docs', url: docs.url }] } });
  client = new Client({ name: 'test-ide', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await docs?.close();
  await remote?.close();
});

describe('prompts and resources through /mcp', () => {
  it('lists the upstream prompts as <server>_<prompt> and gets one with its arguments from its server', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['docs_test_input_required_result_prompt', 'docs_test_prompt_with_arguments', 'docs_test_prompt_with_embedded_resource', 'docs_test_prompt_with_image', 'docs_test_simple_prompt']);
    expect(prompts.find((p) => p.name === 'docs_test_prompt_with_arguments')?.arguments?.map((a) => a.name)).toEqual(['arg1', 'arg2']);
    const got = await client.getPrompt({ name: 'docs_test_prompt_with_arguments', arguments: { arg1: 'hello', arg2: 'world' } });
    expect(got.messages[0]?.content).toEqual({ type: 'text', text: "Prompt with arguments: arg1='hello', arg2='world'" });
  });

  it('lists resources with their URIs kept and names prefixed, and reads a listed one and one from a template', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.uri, r.name]).sort()).toEqual([['test://asking-resource', 'docs_asking-resource'], ['test://static-binary', 'docs_static-binary'], ['test://static-text', 'docs_static-text'], ['test://watched-resource', 'docs_watched-resource']]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toMatchObject([{ uriTemplate: 'test://template/{id}/data', name: 'docs_template' }]);
    expect((await client.readResource({ uri: 'test://static-text' })).contents).toEqual([{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }]);
    const templated = await client.readResource({ uri: 'test://template/7/data' });
    expect(JSON.parse((templated.contents[0] as { text: string }).text)).toEqual({ id: '7', templateTest: true, data: 'Data for ID: 7' });
  });

  it('completes a prompt argument at the server the prompt came from', async () => {
    const r = await client.complete({ ref: { type: 'ref/prompt', name: 'docs_test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } });
    expect(r.completion.values.sort()).toEqual(['paris', 'park', 'party']);
  });

  it("passes on an upstream's log messages during a call, from the level the session set", async () => {
    const logs: string[] = [];
    const logged = new Client({ name: 'test-ide', version: '1.0.0' });
    logged.setNotificationHandler('notifications/message', (n) => void logs.push(String(n.params.data)));
    await logged.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
    try {
      await logged.callTool({ name: 'docs_test_tool_with_logging', arguments: {} });
      // The messages go out on the call's own stream, before its result.
      expect(logs).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);
      await logged.setLoggingLevel('warning');
      await logged.callTool({ name: 'docs_test_tool_with_logging', arguments: {} });
      expect(logs).toHaveLength(3);
    } finally {
      await logged.close();
    }
  });

  it('subscribes the upstream while a session is subscribed, and passes its updates on', async () => {
    const updates: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
    await client.subscribeResource({ uri: 'test://watched-resource' });
    const touched = await client.callTool({ name: 'docs_touch_watched', arguments: {} });
    expect(touched.content).toEqual([{ type: 'text', text: 'told' }]);
    await waitFor(() => updates.length === 1, 'the resource update');
    expect(updates).toEqual(['test://watched-resource']);
    await client.unsubscribeResource({ uri: 'test://watched-resource' });
    expect((await client.callTool({ name: 'docs_touch_watched', arguments: {} })).content).toEqual([{ type: 'text', text: 'nobody subscribed' }]);
  });

  it("passes an upstream's prompts/list_changed on, and lists its new prompt", async () => {
    let changed = 0;
    client.setNotificationHandler('notifications/prompts/list_changed', () => void changed++);
    await client.callTool({ name: 'docs_add_prompt', arguments: {} });
    await waitFor(() => changed > 0, 'prompts/list_changed');
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('docs_added');
  });

  it('answers a prompt or resource no server has with a JSON-RPC error naming it', async () => {
    await expect(client.getPrompt({ name: 'docs_nope' })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('"docs_nope"') });
    await expect(client.getPrompt({ name: 'test_simple_prompt' })).rejects.toMatchObject({ code: -32602 });
    await expect(client.readResource({ uri: 'test://nowhere' })).rejects.toMatchObject({ code: -32602 });
  });
});
