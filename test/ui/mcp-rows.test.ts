import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startMcpNotesStandin } from '../standins/mcp-notes.js';
import { startMcpHttpStandin } from '../standins/mcp-tools.js';
import { browserAvailable } from './browser.js';
import { openDashboard, TracesPage, type Dashboard } from './pages.js';

/** MCP calls in the trace list and the detail: a tool call, a prompt get and a resource read, each marked as what it was. */
const RUN = browserAvailable();
const notes = await startMcpNotesStandin();
const remote = await startMcpHttpStandin();
const gw: TestGateway = await startGateway({ mcp: { servers: [{ id: 'notes', url: notes.url }, { id: 'remote', url: remote.url }] } });
const client = new Client({ name: 'test-ide', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
const traceId = (r: { _meta?: unknown }) => (r._meta as Record<string, string>)['gatehouse/trace_id']!;
const seeded = {
  tool: traceId(await client.callTool({ name: 'remote_echo', arguments: { text: 'hi' } })),
  prompt: traceId(await client.getPrompt({ name: 'notes_review', arguments: { code: 'x = 1' } })),
  resource: traceId(await client.readResource({ uri: 'notes://plain' })),
};

let browser: Browser;
let page: Page;
let dash: Dashboard;
let traces: TracesPage;

beforeAll(async () => {
  if (!RUN) return;
  ({ browser, page, dash } = await openDashboard(gw.url));
  traces = new TracesPage(page);
});
afterAll(async () => {
  await browser?.close();
  await client.close();
  await gw.close();
  await notes.close();
  await remote.close();
});

describe.skipIf(!RUN)('MCP calls in the dashboard', () => {
  it('marks a tool call, a prompt get and a resource read in the list, with what each fetched', async () => {
    await dash.open(TEST_TOKEN);
    await waitFor(async () => (await traces.ids()).length >= 3, 'the three MCP rows');
    const tool = traces.row(seeded.tool).getByTestId('cell-tool');
    const prompt = traces.row(seeded.prompt).getByTestId('cell-tool');
    const resource = traces.row(seeded.resource).getByTestId('cell-tool');
    expect([await tool.getAttribute('data-kind'), await prompt.getAttribute('data-kind'), await resource.getAttribute('data-kind')]).toEqual(['tool', 'prompt', 'resource']);
    await expect(tool.textContent()).resolves.toBe('⚒ remote_echo');
    await expect(prompt.textContent()).resolves.toBe('❝ notes_review');
    await expect(resource.textContent()).resolves.toBe('▤ notes://plain');
    await expect(traces.row(seeded.resource).getByTestId('preview-answer').textContent()).resolves.toContain('Release notes');
  });

  it("shows a resource read's contents in the detail, without an arguments pane", async () => {
    await dash.go(`traces/${seeded.resource}`);
    await expect(dash.testId('detail-tool').textContent()).resolves.toBe('notes://plain (MCP server notes)');
    await expect(dash.testId('tool-result').textContent()).resolves.toContain('the build is green');
    expect(await page.getByTestId('tool-arguments').count()).toBe(0);
  });
});
