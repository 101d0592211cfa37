import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTrace } from '../../local-gateway/store/testing.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from '../helpers/gateway.js';
import { writePolicy } from '../helpers/policy.js';
import { browserAvailable, screenshotPath } from './browser.js';
import { openDashboard, type Dashboard } from './pages.js';
import { POLICY } from './seed.js';

/**
 * Usage and Prod preview charts with an hour, a day and a month of data: bars where the
 * traffic was, legends with values, dollar axes sized to the data, one colour per model.
 */
const RUN = browserAvailable();
const gw: TestGateway = await startGateway({ policy: writePolicy(POLICY), tiers: { active: 'dev', shadow: ['prod'] } });

const HOUR = 3600_000;
const now = Date.now();
/** Traces the store holds as if served in the past: a month is not waited for. */
const past = [
  ...Array.from({ length: 30 }, (_, d) => makeTrace({ started_at: now - d * 24 * HOUR - HOUR, requested_model: 'gpt-4o-mini', resolved_model: 'openai/gpt-4o-mini', cost_usd: 0.00001 })),
  ...Array.from({ length: 12 }, (_, h) => makeTrace({ started_at: now - h * 2 * HOUR - 60_000, requested_model: 'claude-haiku', resolved_model: 'anthropic/claude-haiku', provider: 'anthropic', cost_usd: 0.00002 })),
  makeTrace({ started_at: now - 5 * 60_000, method: 'GET', path: '/v1/models', api: 'models', requested_model: null, resolved_model: null, provider: null, tokens_in: null, tokens_out: null, cost_usd: null }),
  makeTrace({ started_at: now - 4 * 60_000, status: 400, error_code: 'GH_ERR_INVALID_JSON', requested_model: null, resolved_model: null, provider: null, tokens_in: null, tokens_out: null, cost_usd: null }),
];
gw.app.gateway.traces.insertMany(past);
// And a few real ones through the pipeline, so the prod preview has verdicts in the last hour.
for (const content of ['pay with 4111111111111111', 'my password is hunter2', 'pay 4111111111111111 again']) {
  await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', 'x-gatehouse-metadata': '{"team":"payments"}' },
    body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content }] }),
  });
}

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

/** Each legend entry of a chart: its label, value and swatch colour. */
async function legend(chart: string): Promise<{ text: string; color: string }[]> {
  const items = dash.testId(chart).getByTestId('legend-item');
  await items.first().waitFor();
  return items.evaluateAll((els) => els.map((e) => ({ text: e.textContent?.trim() ?? '', color: e.querySelector('.swatch')?.getAttribute('data-color') ?? '' })));
}

describe.skipIf(!RUN)('charts in Chromium', () => {
  it('Usage: model calls only, the rest apart, legends with values and one colour per model', async () => {
    await dash.open(TEST_TOKEN, 'usage');
    await dash.testId('usage-by-model').click();
    await dash.testId('usage-tokens-chart').locator('canvas').waitFor();
    const tokens = await legend('usage-tokens-chart');
    const cost = await legend('usage-cost-chart');
    expect(tokens.map((t) => t.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^openai\/gpt-4o-mini: [\d.]+k?$/)]));
    // A month of $0.00001 calls: the legend has the digits that say it, not $0.00.
    expect(cost.find((c) => c.text.startsWith('openai/gpt-4o-mini'))!.text).toBe('openai/gpt-4o-mini: $0.00030');
    const colorOf = (items: typeof tokens, label: string) => items.find((i) => i.text.startsWith(label))!.color;
    expect(colorOf(cost, 'openai/gpt-4o-mini')).toBe(colorOf(tokens, 'openai/gpt-4o-mini'));
    expect(colorOf(cost, 'anthropic/claude-haiku')).not.toBe(colorOf(cost, 'openai/gpt-4o-mini'));
    expect(await dash.testId('legend-when').first().textContent()).toBe('whole window');
    // The model list and the malformed body are traffic, not model calls under "(none)".
    const rows = await dash.testId('usage-row').allTextContents();
    expect(rows.some((r) => r.startsWith('(none)'))).toBe(false);
    await expect(dash.testId('usage-other').textContent()).resolves.toMatch(/1 GET \/v1\/models · 1 malformed request|1 malformed request · 1 GET \/v1\/models/);
    await page.screenshot({ path: screenshotPath('usage-30d'), fullPage: true });
  });

  it('Usage: hovering a bar shows that bucket in the legend', async () => {
    const box = (await dash.testId('usage-cost-chart').locator('canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width - 40, box.y + box.height / 2, { steps: 5 });
    await waitFor(async () => (await dash.testId('legend-when').last().textContent()) !== 'whole window', 'the hovered bucket');
    expect(await dash.testId('legend-when').last().textContent()).toMatch(/^[A-Z][a-z]{2} \d{1,2}$/);
  });

  it('Usage: a day of hourly buckets', async () => {
    await page.getByRole('combobox', { name: 'Window' }).selectOption('1');
    await waitFor(async () => /per hour/.test((await dash.testId('usage-tokens-chart').locator('figcaption').textContent()) ?? ''), 'the hourly chart');
    const tokens = await legend('usage-tokens-chart');
    expect(tokens.map((t) => t.text.split(':')[0])).toEqual(expect.arrayContaining(['anthropic/claude-haiku', 'openai/gpt-4o-mini']));
    await page.screenshot({ path: screenshotPath('usage-24h'), fullPage: true });
  });

  it('Prod preview: the last hour of would-fire counts as bars with a legend of counts', async () => {
    await dash.nav('preview').click();
    await dash.testId('preview-chart').locator('canvas').waitFor();
    const items = await legend('preview-chart');
    expect(items.map((i) => i.text)).toEqual(expect.arrayContaining(['card: 2', 'password: 1']));
    await page.screenshot({ path: screenshotPath('preview-24h'), fullPage: true });
    await dash.testId('preview-window').selectOption('30d');
    await waitFor(async () => /\(day\)/.test((await dash.testId('preview-chart').locator('figcaption').textContent()) ?? ''), 'the daily chart');
    await dash.testId('preview-chart').locator('canvas').waitFor();
    await page.screenshot({ path: screenshotPath('preview-30d'), fullPage: true });
  });
});
