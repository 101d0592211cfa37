import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from '../helpers/gateway.js';
import { browserAvailable, screenshotPath } from './browser.js';
import { openDashboard, type Dashboard } from './pages.js';

/** A trace with a 30 MB prompt (and the demo's 30 MB echo of it) opens without freezing the tab. */
const RUN = browserAvailable();
const gw: TestGateway = await startGateway();
const prompt = `start of a very long prompt. ${'lorem ipsum dolor sit amet '.repeat(30 * 1024 * 1024 / 27)}end`;
const res = await fetch(`${gw.url}/v1/chat/completions`, {
  method: 'POST',
  headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: prompt }] }),
});
await res.text();
const id = res.headers.get('x-gatehouse-trace-id')!;

let browser: Browser;
let page: Page;
let dash: Dashboard;

beforeAll(async () => {
  if (!RUN) return;
  ({ browser, page, dash } = await openDashboard(gw.url));
});
afterAll(async () => {
  await browser?.close();
  await gw.close();
});

describe.skipIf(!RUN)('a trace with a 30 MB prompt', { timeout: 60_000 }, () => {
  it('renders the start of each body and handles a click at once; the rest comes on request', async () => {
    expect(res.status).toBe(200);
    await dash.open(TEST_TOKEN, `traces/${id}`);
    await dash.testId('conversation').waitFor({ timeout: 30_000 });
    // The page answers input: the theme toggles within the helper's 5 s, not after a long freeze.
    const before = await page.evaluate('document.documentElement.dataset.theme ?? ""');
    await dash.testId('theme-toggle').click({ timeout: 5000 });
    await waitFor(async () => (await page.evaluate('document.documentElement.dataset.theme ?? ""')) !== before, 'the theme change');
    const user = dash.testId('turn-user');
    expect((await user.textContent())!.length).toBeLessThan(100_000);
    await expect(user.getByTestId('clip-note').textContent()).resolves.toMatch(/showing 20 KB of 30,7\d\d KB/);
    await user.getByTestId('show-more').click();
    await waitFor(async () => /showing 215 KB/.test((await user.getByTestId('clip-note').textContent()) ?? ''), 'more of the prompt');
    await page.screenshot({ path: screenshotPath('large-trace') });
  });
});
