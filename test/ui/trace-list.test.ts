import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from '../helpers/gateway.js';
import { browserAvailable, screenshotPath } from './browser.js';
import { openDashboard, TracesPage, type Dashboard } from './pages.js';

/** The list answers "what did my agent ask and get": previews, API, TTFT, dates and sessions. */
const RUN = browserAvailable();
const gw: TestGateway = await startGateway();

async function call(path: string, body: unknown, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(gw.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.text();
  return res.headers.get('x-gatehouse-trace-id')!;
}
const chat = (content: string, headers: Record<string, string> = {}, stream = false) =>
  call('/v1/chat/completions', { model: 'demo/echo', stream, messages: [{ role: 'user', content: 'earlier turn' }, { role: 'assistant', content: 'ok' }, { role: 'user', content }] }, headers);

// Two turns of one Claude Code session, one of another, a stream, a model list and a malformed call.
const SESSION = '30823989-6b4b-442a-badc-44ce9adc2b66';
const seeded = {
  turn1: await chat('find the flaky test', { 'x-claude-code-session-id': SESSION }),
  other: await chat('unrelated question', { 'x-claude-code-session-id': 'aaaaaaaa-0000-4000-8000-000000000001' }),
  turn2: await chat('now fix it', { 'x-claude-code-session-id': SESSION }),
  stream: await chat('stream me a haiku', {}, true),
  models: await call('/v1/models', undefined),
};

let browser: Browser;
let page: Page;
let dash: Dashboard;
let traces: TracesPage;

beforeAll(async () => {
  if (!RUN) return;
  ({ browser, page, dash } = await openDashboard(gw.url, { width: 1400, height: 700 }));
  traces = new TracesPage(page);
});
afterAll(async () => {
  await browser?.close();
  await gw.close();
});

const cell = (id: string, testId: string) => traces.row(id).getByTestId(testId).textContent();

describe.skipIf(!RUN)('the trace list in Chromium', () => {
  it('previews the last user message and the answer, names the API, and shows TTFT for streams', async () => {
    await dash.open(TEST_TOKEN);
    await waitFor(async () => (await traces.ids()).length >= 5, 'the seeded rows');
    await expect(cell(seeded.turn2, 'preview-ask')).resolves.toBe('now fix it');
    await expect(cell(seeded.turn2, 'preview-answer')).resolves.toContain('now fix it');
    await expect(cell(seeded.stream, 'preview-answer')).resolves.toMatch(/\S/);
    await expect(cell(seeded.turn2, 'cell-api')).resolves.toBe('chat');
    // A model list is not a model-less chat row.
    await expect(cell(seeded.models, 'cell-api')).resolves.toBe('GET /v1/models');
    await expect(cell(seeded.stream, 'cell-ttft')).resolves.toMatch(/\d+(\.\d+)? (ms|s)/);
    await expect(cell(seeded.turn2, 'cell-ttft')).resolves.toBe('–');
    const headers = await page.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['Last message → answer', 'API', 'TTFT', 'Session', 'Verdicts / error']));
    await page.screenshot({ path: screenshotPath('trace-list') });
  });

  it("numbers a session's turns and shows only that session on a click", async () => {
    await expect(cell(seeded.turn1, 'cell-session')).resolves.toBe('dc2b66 #1');
    await expect(cell(seeded.turn2, 'cell-session')).resolves.toBe('dc2b66 #2');
    expect(await traces.row(seeded.models).getByTestId('cell-session').count()).toBe(0);
    await traces.row(seeded.turn2).getByTestId('cell-session').click();
    await waitFor(async () => (await traces.ids()).join() === [seeded.turn2, seeded.turn1].join(), 'only the session');
    expect(decodeURIComponent(page.url())).toContain(`session=${SESSION}`);
    // The click filtered; it did not open the trace.
    expect(page.url()).not.toContain(`traces/${seeded.turn2}`);
    await dash.testId('filter-session').click();
    await waitFor(async () => (await traces.ids()).length >= 5, 'every row again');
  });

  it('fills in the previews of a row that arrived live', async () => {
    const id = await chat('a live question');
    await traces.row(id).waitFor();
    await waitFor(async () => (await cell(id, 'preview-ask')) === 'a live question', 'the live row preview');
  });

  it('dates the rows that are not from today', async () => {
    await page.clock.setFixedTime(Date.now() + 3 * 86_400_000);
    await page.reload();
    await traces.row(seeded.turn1).waitFor();
    const shown = (await cell(seeded.turn1, 'cell-time')) ?? '';
    const day = new Date().toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
    expect(shown.startsWith(day)).toBe(true);
    await page.screenshot({ path: screenshotPath('trace-list-older') });
  });
});
