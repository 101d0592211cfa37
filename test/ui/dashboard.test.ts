import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from '../helpers/gateway.js';
import { chat, writePolicy } from '../helpers/policy.js';
import { browserAvailable, launch, screenshotPath } from './browser.js';
import { Dashboard, TracesPage } from './pages.js';
import { POLICY, seed, type Seeded } from './seed.js';

const RUN = browserAvailable();

const policyFile = writePolicy(POLICY);
// Started by the suite, not at import: a run without Chromium starts no gateway.
let gw: TestGateway;
let seeded: Seeded;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let dash: Dashboard;
let traces: TracesPage;
/** CSP refusals Chromium logs and uncaught page errors: both must stay empty. */
const problems: string[] = [];

/** Content-Security-Policy violations and page errors, collected for the whole run. */
const COLLECT = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`;

beforeAll(async () => {
  if (!RUN) return;
  gw = await startGateway({ policy: policyFile, tiers: { active: 'dev', shadow: ['prod'] } });
  seeded = await seed(gw);
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
  await context.addInitScript({ content: COLLECT });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  dash = new Dashboard(page, gw.url);
  traces = new TracesPage(page);
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  rmSync(dirname(policyFile), { recursive: true, force: true });
});

describe.skipIf(!RUN)('dashboard in Chromium', () => {
  it('takes the token from the fragment, drops it from the address bar, and lists the seeded traces', async () => {
    await dash.open(TEST_TOKEN);
    await waitFor(async () => (await traces.ids()).length >= 5, 'the seeded rows');
    expect(page.url()).not.toContain(TEST_TOKEN);
    expect(page.url()).toContain('#/traces');
    expect(await page.evaluate('sessionStorage.getItem("gatehouse-token")')).toBe(TEST_TOKEN);
    const ids = await traces.ids();
    for (const id of Object.values(seeded)) expect(ids).toContain(id);
    // Newest first.
    expect(ids[0]).toBe(seeded.tools);
    await expect(traces.row(seeded.blocked).getByTestId('cell-status').textContent()).resolves.toBe('403');
    await page.screenshot({ path: screenshotPath('traces') });
  });

  it('shows a new request without a reload', async () => {
    await page.evaluate('window.__sameDocument = true');
    const r = await chat(gw, 'a live one', { model: 'demo/echo', metadata: { ticket_id: 'ENG-9' } });
    const id = r.headers.get('x-gatehouse-trace-id')!;
    await traces.row(id).waitFor({ timeout: 5000 });
    expect((await traces.ids())[0]).toBe(id);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  });

  it('is live over the WebSocket with the token as a subprotocol', async () => {
    await waitFor(async () => (await dash.testId('live-state').textContent()) === 'live', 'the live state');
  });

  it('badges the rows prod would block', async () => {
    await expect(traces.row(seeded.card).getByTestId('badge-shadow').textContent()).resolves.toBe('prod would block');
    expect(await traces.row(seeded.clean).getByTestId('badge-shadow').count()).toBe(0);
    // dev audits cards: recorded, not enforced, so neither a "block" nor red.
    const audit = traces.row(seeded.card).getByTestId('badge-audit');
    await expect(audit.textContent()).resolves.toBe('dev recorded card');
    await expect(audit.getAttribute('class')).resolves.toContain('badge-audit');
  });

  it('filters by status, model, metadata and text, and keeps the filters in the URL', async () => {
    await traces.select('filter-status', 'error');
    await waitFor(async () => (await traces.ids()).join() === seeded.blocked, 'only the refused request');
    expect(page.url()).toContain('status=error');
    await traces.clear();
    await traces.filterText('filter-meta', 'team:payments');
    await waitFor(async () => (await traces.ids()).sort().join() === [seeded.card, seeded.blocked].sort().join(), 'the payments team rows');
    expect(decodeURIComponent(page.url())).toContain('meta=team:payments');
    await traces.clear();
    await traces.filterText('filter-text', 'hunter2');
    await waitFor(async () => (await traces.ids()).join() === seeded.blocked, 'the text match');
    // A reload keeps the filter: it lives in the URL.
    await page.reload();
    await waitFor(async () => (await traces.ids()).join() === seeded.blocked, 'the text match after reload');
    await expect(page.getByTestId('filter-text').inputValue()).resolves.toBe('hunter2');
    await traces.clear();
    await traces.filterText('filter-model', 'nope/none');
    await dash.testId('notice-empty').waitFor();
    await traces.clear();
    await waitFor(async () => (await traces.ids()).length >= 6, 'every row again');
  });

  it('filters by the rule fired, a tier verdict and the provider', async () => {
    await traces.filterText('filter-rule', 'card');
    await waitFor(async () => (await traces.ids()).join() === seeded.card, 'the card row');
    await traces.clear();
    await traces.select('filter-verdict', 'prod:block');
    await waitFor(async () => {
      const ids = await traces.ids();
      return ids.includes(seeded.card) && ids.includes(seeded.blocked) && !ids.includes(seeded.clean);
    }, 'the rows prod would block');
    await traces.clear();
    await traces.filterText('filter-provider', 'demo');
    // The blocked request was refused before routing, so no provider served it.
    await waitFor(async () => {
      const ids = await traces.ids();
      return [seeded.card, seeded.clean, seeded.mutated, seeded.tools].every((id) => ids.includes(id)) && !ids.includes(seeded.blocked);
    }, 'the rows the demo provider served');
    await traces.clear();
  });

  it('goes from a failed request to its reason and fix in two clicks', async () => {
    await dash.nav('traces').click();
    await traces.row(seeded.blocked).click();
    const why = dash.testId('why');
    await why.waitFor();
    const text = (await why.textContent()) ?? '';
    expect(text).toContain('403');
    expect(text).toContain('password');
    expect(await dash.testId('why-verdict').first().textContent()).toMatch(/remove it from the prompt|policy owner/);
    await page.screenshot({ path: screenshotPath('failed-detail') });
  });

  it('moves through the list with the keyboard: j/k, Enter opens, Esc goes back, / searches', async () => {
    await page.keyboard.press('Escape');
    await dash.testId('trace-list').waitFor();
    // Back from a trace, the list has the keyboard and the row that was open is selected.
    expect(await page.evaluate('document.activeElement.dataset.testid')).toBe('trace-list');
    expect(await traces.selected()).toBe(seeded.blocked);
    const ids = await traces.ids();
    const at = ids.indexOf(seeded.blocked);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await traces.selected()).toBe(ids[at + 1]);
    await page.keyboard.press('Enter');
    await dash.testId('trace-detail').waitFor();
    expect(page.url()).toContain(`#/traces/${ids[at + 1]}`);
    await page.keyboard.press('Escape');
    await dash.testId('trace-list').waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement.dataset.testid')).toBe('filter-text');
  });

  it('shows the verdicts of both tiers side by side, with the finding marked in the text', async () => {
    await dash.go(`traces/${seeded.card}`);
    await dash.testId('verdict-columns').waitFor();
    const dev = (await dash.testId('tier-dev').textContent()) ?? '';
    const prod = (await dash.testId('tier-prod').textContent()) ?? '';
    expect(dev).toContain('enforced');
    expect(dev).toContain('card');
    expect(prod).toContain('shadow');
    expect(prod).toContain('metadata.ticket_id');
    expect(prod).toMatch(/block\s*card/);
    // dev's card rule is an audit: it let the request through, so no refusal and no fix to make.
    const devCard = dash.testId('tier-dev').getByTestId('verdict').filter({ hasText: 'card' });
    await expect(devCard.getByTestId('verdict-badge').textContent()).resolves.toBe('audit · would block');
    const devReason = (await devCard.getByTestId('verdict-reason').textContent()) ?? '';
    expect(devReason).toContain('Recorded, not enforced');
    expect(devReason).not.toContain('remove it from the prompt');
    await expect(dash.testId('tier-prod').getByTestId('verdict-badge').allTextContents()).resolves.toContain('block');
    const marks = await page.locator('mark.mark-finding').allTextContents();
    expect(marks).toContain('4111111111111111');
    expect(await dash.testId('waterfall').locator('li').count()).toBeGreaterThan(1);
    await page.screenshot({ path: screenshotPath('detail-verdicts'), fullPage: true });
  });

  it('renders a conversation as chat with tool calls and results, and toggles the raw JSON', async () => {
    await dash.go(`traces/${seeded.tools}`);
    await dash.testId('conversation').waitFor();
    expect(await dash.testId('turn-system').textContent()).toContain('You are a build assistant.');
    expect(await dash.testId('tool-call').textContent()).toContain('get_weather');
    expect(await dash.testId('tool-result').textContent()).toContain('sunny, 21 C');
    await dash.testId('raw-toggle').click();
    expect(await dash.testId('raw-json').textContent()).toContain('"tool_call_id": "call_1"');
    await dash.testId('raw-toggle').click();
    await dash.go(`traces/${seeded.mutated}`);
    // The previous trace's conversation stays on screen until this one has loaded.
    await waitFor(async () => ((await dash.testId('trace-detail').textContent()) ?? '').includes(seeded.mutated), 'the mutated trace\'s detail');
    await dash.testId('conversation').waitFor();
    // The stored prompt is the redacted one: its placeholder is marked whole, not cut by the email's original span.
    expect(await dash.testId('turn-user').locator('mark').allTextContents()).toEqual(['[redacted:email]']);
  });

  it('previews what prod would do per rule', async () => {
    await dash.nav('preview').click();
    await dash.testId('preview-rules').waitFor();
    const lead = (await dash.testId('preview-lead').textContent()) ?? '';
    expect(lead).toMatch(/would have refused [1-9]/);
    const rules = await dash.testId('preview-rule').allTextContents();
    expect(rules.some((r) => r.startsWith('card'))).toBe(true);
    expect(rules.some((r) => r.startsWith('metadata.ticket_id'))).toBe(true);
    await page.screenshot({ path: screenshotPath('preview'), fullPage: true });
  });

  it('charts the would-fire counts over time', async () => {
    await dash.nav('preview').click();
    await dash.testId('preview-chart').locator('canvas').waitFor();
  });

  it('names the top workflows, metadata and what to do per rule', async () => {
    await dash.nav('preview').click();
    const card = dash.testId('preview-rule').filter({ hasText: 'card' }).first();
    await card.waitFor();
    expect(await card.textContent()).toContain('team=payments');
    expect(await card.getByTestId('advice').textContent()).toMatch(/remove it from the prompt|policy owner/);
  });

  it('shows the policy in force and the dev → prod diff with tightenings highlighted, and replays traces against prod', async () => {
    await dash.nav('policy').click();
    await dash.testId('policy-diff').waitFor();
    expect(await dash.testId('policy-version').textContent()).toBe('3 · acme');
    const tightened = page.locator('[data-testid="diff-change"].change-tightened, [data-testid="diff-change"].change-added');
    const texts = await tightened.allTextContents();
    expect(texts.some((t) => t.includes('metadata.ticket_id'))).toBe(true);
    expect(texts.some((t) => t.includes('card'))).toBe(true);
    expect(await page.locator('.diff-section.tightens').count()).toBeGreaterThan(0);
    await dash.testId('replay-run').click();
    const report = dash.testId('replay-report');
    await report.waitFor();
    expect(await report.textContent()).toMatch(/Replayed \d+ traces/);
    expect(await report.textContent()).toMatch(/prod blocks [1-9]/);
    await page.screenshot({ path: screenshotPath('policy'), fullPage: true });
  });

  it('shows a new policy version as soon as the file changes', async () => {
    await dash.nav('policy').click();
    await dash.testId('policy-diff').waitFor();
    writeFileSync(policyFile, POLICY.replace('version: 3', 'version: 4'));
    await waitFor(async () => (await dash.testId('policy-version').textContent())?.startsWith('4'), 'version 4 on the page', 10_000);
  });

  it('charts tokens and cost by model and exports CSV', async () => {
    await dash.nav('usage').click();
    await dash.testId('usage-by-model').click();
    await dash.testId('usage-tokens-chart').locator('canvas').waitFor();
    expect(await dash.testId('usage-row').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('demo/echo')]));
    const [download] = await Promise.all([page.waitForEvent('download'), dash.testId('usage-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    await page.screenshot({ path: screenshotPath('usage'), fullPage: true });
  });

  it('copies the local token from the page, never from the gateway', async () => {
    await dash.nav('settings').click();
    await dash.testId('token-copy').click();
    await waitFor(async () => (await dash.testId('token-copy').textContent()) === 'Copied', 'the copy');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(TEST_TOKEN);
    expect(await dash.testId('token-value').inputValue()).not.toContain(TEST_TOKEN);
    await page.screenshot({ path: screenshotPath('settings'), fullPage: true });
  });

  it('lists providers with key presence and a setup snippet per agent', async () => {
    await dash.nav('settings').click();
    await dash.testId('settings-providers').waitFor();
    expect(await dash.testId('provider-row').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('demo')]));
    for (const agent of ['claude-code', 'codex', 'cursor', 'continue']) {
      const snippet = (await dash.testId(`setup-${agent}`).textContent()) ?? '';
      expect(snippet).toContain('<token>');
      expect(snippet).not.toContain(TEST_TOKEN);
    }
  });

  it('switches between dark and light themes', async () => {
    await dash.testId('theme-toggle').click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.screenshot({ path: screenshotPath('settings-dark') });
    await dash.testId('theme-toggle').click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
  });

  it('says how to get a token when the page has none', async () => {
    const fresh = await context.newPage();
    await fresh.goto(`${gw.url}/ui/`);
    const gate = fresh.getByTestId('token-gate');
    await gate.waitFor();
    expect(await gate.textContent()).toContain('gatehouse token');
    await fresh.close();
  });

  it('keeps only the rows on screen in the DOM and pages in older traces as the list scrolls', async () => {
    const extra = 450;
    for (let i = 0; i < extra; i += 15) {
      await Promise.all(Array.from({ length: Math.min(15, extra - i) }, (_, j) => chat(gw, `bulk ${i + j}`, { model: 'demo/echo', metadata: { ticket_id: `BULK-${i + j}` } })));
    }
    await dash.nav('settings').click();
    await dash.nav('traces').click();
    await waitFor(async () => /^.*· 200 loaded, more on scroll$/.test((await dash.testId('list-hint').textContent()) ?? ''), 'the first page');
    expect(await traces.rows().count()).toBeLessThan(100);
    await dash.testId('trace-list').focus();
    await waitFor(async () => {
      await page.keyboard.press('End');
      const hint = (await dash.testId('list-hint').textContent()) ?? '';
      return Number(/· ([\d,]+) loaded/.exec(hint)?.[1]?.replace(',', '')) >= extra + 6 && !hint.includes('more on scroll');
    }, 'every page loaded', 15_000);
    await page.keyboard.press('End');
    // The oldest trace, the first one seeded, is the last row.
    await waitFor(async () => (await traces.selected()) === seeded.card, 'the last row selected');
    await traces.row(seeded.card).waitFor();
    expect(await traces.rows().count()).toBeLessThan(100);
  });

  it('broke no Content-Security-Policy rule in the whole run, the live socket included', async () => {
    expect(await page.evaluate('window.__violations')).toEqual([]);
    expect(problems).toEqual([]);
  });
});
