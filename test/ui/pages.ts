import type { Browser, Locator, Page } from 'playwright-core';
import { launch } from './browser.js';

/** Page objects for the dashboard: tests speak in views and rows, the selectors live here. */
export class Dashboard {
  constructor(
    readonly page: Page,
    readonly base: string,
  ) {}

  async open(token: string, route = ''): Promise<void> {
    await this.page.goto(`${this.base}/ui/#token=${encodeURIComponent(token)}`);
    await this.page.getByTestId('nav-traces').waitFor();
    if (route) await this.go(route);
  }

  async go(route: string): Promise<void> {
    await this.page.evaluate(`window.location.hash = ${JSON.stringify(`#/${route}`)}`);
  }

  nav(view: 'traces' | 'preview' | 'policy' | 'usage' | 'settings'): Locator {
    return this.page.getByTestId(`nav-${view}`);
  }

  testId(id: string): Locator {
    return this.page.getByTestId(id);
  }
}

export class TracesPage {
  constructor(readonly page: Page) {}

  rows(): Locator {
    return this.page.getByTestId('trace-row');
  }

  row(id: string): Locator {
    return this.page.locator(`[data-testid="trace-row"][data-trace-id="${id}"]`);
  }

  /** The trace ids of the rows on screen, top to bottom. */
  async ids(): Promise<string[]> {
    return this.rows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id') ?? ''));
  }

  /** The id of the row the keyboard is on. */
  async selected(): Promise<string | null> {
    return this.page.locator('[data-testid="trace-row"][aria-selected="true"]').getAttribute('data-trace-id');
  }

  async filterText(testId: string, value: string): Promise<void> {
    const input = this.page.getByTestId(testId);
    await input.fill(value);
    await input.press('Enter');
  }

  async select(testId: string, value: string): Promise<void> {
    await this.page.getByTestId(testId).selectOption(value);
  }

  /** Clears the filters and waits until the list is unfiltered (the Clear button goes with them). */
  async clear(): Promise<void> {
    const button = this.page.getByTestId('filter-clear');
    await button.click();
    await button.waitFor({ state: 'detached' });
  }
}

/** A browser with one page on the dashboard of the gateway at `base`, as most page tests start. */
export async function openDashboard(base: string, viewport = { width: 1400, height: 900 }): Promise<{ browser: Browser; page: Page; dash: Dashboard }> {
  const browser = await launch();
  const page = await (await browser.newContext({ viewport })).newPage();
  return { browser, page, dash: new Dashboard(page, base) };
}

/** The Policy page: the diff's headline, each tier's section tables, a refused edit's problems. */
export class PolicyPage {
  constructor(readonly page: Page) {}

  /** Waits for the diff and returns its headline. */
  async diffLead(): Promise<string> {
    const lead = this.page.getByTestId('diff-lead');
    await lead.waitFor();
    return (await lead.textContent()) ?? '';
  }

  table(tier: string, section: string): Locator {
    return this.page.locator(`[data-testid="policy-table"][data-tier="${tier}"][data-section="${section}"]`);
  }

  async ruleIds(tier: string, section: string): Promise<string[]> {
    return this.table(tier, section).locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-rule') ?? ''));
  }

  row(tier: string, section: string, rule: string): Locator {
    return this.table(tier, section).locator(`tbody tr[data-rule="${rule}"]`);
  }

  async cells(tier: string, section: string, rule: string): Promise<string[]> {
    return this.row(tier, section, rule).locator('td').allTextContents();
  }

  /** The change the diff names for a rule's row, if any. */
  async rowChange(tier: string, section: string, rule: string): Promise<string | null> {
    return this.row(tier, section, rule).getAttribute('data-change');
  }

  /** A settings section (metadata, models, logging, sync) as setting → value. */
  async settings(tier: string, section: string): Promise<Record<string, string>> {
    return this.table(tier, section)
      .locator('tbody tr')
      .evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.querySelector('th')?.textContent ?? '', r.querySelector('td')?.textContent ?? ''])));
  }

  problems(): Locator {
    return this.page.getByTestId('policy-problem');
  }

  async problemList(): Promise<{ line: string; field: string; message: string }[]> {
    return this.problems().evaluateAll((items) =>
      items.map((li) => ({
        line: li.querySelector('[data-part="line"]')?.textContent ?? '',
        field: li.querySelector('[data-part="field"]')?.textContent ?? '',
        message: li.querySelector('[data-part="message"]')?.textContent ?? '',
      })),
    );
  }
}
