import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { browserAvailable, launch, screenshotPath } from './browser.js';

/** What a user notices on every page: the favicon request, the no-token page's wording. */
const RUN = browserAvailable();
const gw: TestGateway = await startGateway();

let browser: Browser;
let page: Page;
const failed: string[] = [];

beforeAll(async () => {
  if (!RUN) return;
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 600 } })).newPage();
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
});
afterAll(async () => {
  await browser?.close();
  await gw.close();
});

describe('small things', () => {
  it('serves /favicon.ico without a token', async () => {
    const res = await fetch(`${gw.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('image/svg+xml');
  });

  it.skipIf(!RUN)('the no-token page names the commands as code, without raw backticks, and nothing on it fails', async () => {
    await page.goto(`${gw.url}/ui/`);
    const text = page.getByTestId('token-gate-text');
    await text.waitFor();
    expect(await text.textContent()).not.toContain('`');
    expect(await text.locator('code').allTextContents()).toEqual(['gatehouse start', 'gatehouse token']);
    await page.waitForLoadState('networkidle');
    expect(failed).toEqual([]);
    await page.screenshot({ path: screenshotPath('token-gate') });
  });
});
