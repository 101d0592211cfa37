import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startGateway, TEST_TOKEN, type TestGateway } from '../helpers/gateway.js';
import { writePolicy } from '../helpers/policy.js';
import { browserAvailable, screenshotPath } from './browser.js';
import { openDashboard, PolicyPage, type Dashboard } from './pages.js';

/** The Policy page against the CLI: the same diff counts, the same problems for a refused edit. */
const RUN = browserAvailable();

const POLICY = `apiVersion: gatehouse/v1
org: acme
version: 5
tiers:
  dev:
    rate_limits:
      - { id: per-user, scope: [user], limit: { requests: 600, per: 1m }, mode: audit }
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: audit, config: { patterns: ["4[0-9]{15}"], label: card } }
  prod:
    extends: dev
    metadata: { required: [ticket_id, team] }
    models: { allow: ["demo/*", "assistant"], deny: ["demo/slow"] }
    virtual_models:
      assistant: { targets: [{ model: demo/echo }] }
    rate_limits:
      - { id: per-user, scope: [user], limit: { requests: 120, per: 1m }, mode: enforce }
      - { id: ide-tokens, when: { metadata: { surface: ide-agent } }, scope: [user], limit: { tokens: 200000, per: 1h } }
    budgets:
      - { id: team-month, scope: [metadata.team], limit: { usd: 500, per: month }, mode: audit }
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: enforce, config: { patterns: ["4[0-9]{15}"], label: card } }
    logging: { bodies: redacted, retention_days: 14 }
`;

/** Two mistakes on two lines: an unknown key and a mode that does not exist. */
const BROKEN = POLICY.replace('metadata: { required', 'metdata: { required').replace('mode: enforce }\n      - { id: ide', 'mode: enforced }\n      - { id: ide');

const policyFile = writePolicy(POLICY);
const home = mkdtempSync(join(tmpdir(), 'gatehouse-policy-page-'));
const gw: TestGateway = await startGateway({ policy: policyFile, tiers: { active: 'dev', shadow: ['prod'] } });

let browser: Browser;
let page: Page;
let dash: Dashboard;
let policy: PolicyPage;

beforeAll(async () => {
  if (!RUN) return;
  ({ browser, page, dash } = await openDashboard(gw.url, { width: 1400, height: 1000 }));
  policy = new PolicyPage(page);
});

afterAll(async () => {
  await browser?.close();
  await gw.close();
  rmSync(dirname(policyFile), { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!RUN)('the Policy page', () => {
  it('heads the diff with the tighten/loosen/change counts `gatehouse policy diff` prints for the same two tiers', async () => {
    await dash.open(TEST_TOKEN, 'policy');
    await dash.testId('policy-diff').waitFor();
    await page.screenshot({ path: screenshotPath('policy-page'), fullPage: true });
    const lead = await policy.diffLead();
    const cli = runCli(['policy', 'diff', policyFile, '--from', 'dev', '--to', 'prod'], { GATEHOUSE_HOME: home });
    expect(cli.code).toBe(0);
    const counts = (text: string) => /(\d+) tighten, (\d+) loosen, (\d+) change/.exec(text)?.slice(1).map(Number);
    expect(counts(cli.stdout)).toEqual([11, 0, 3]);
    expect(counts(lead)).toEqual(counts(cli.stdout));
  });

  it('shows each section of both tiers as a table, a row per rule', async () => {
    await dash.open(TEST_TOKEN, 'policy');
    await policy.diffLead();
    expect(await page.locator('pre').count()).toBe(0);
    expect(await policy.ruleIds('prod', 'rate_limits')).toEqual(['per-user', 'ide-tokens']);
    expect(await policy.ruleIds('dev', 'rate_limits')).toEqual(['per-user']);
    expect(await policy.cells('prod', 'rate_limits', 'ide-tokens')).toEqual(['ide-tokens', 'metadata.surface=ide-agent', 'each user', '200000 tokens per 1h', 'enforce']);
    expect(await policy.cells('prod', 'budgets', 'team-month')).toEqual(['team-month', 'every request', 'each metadata.team', '$500 per month', 'audit']);
    expect(await policy.cells('prod', 'guardrails', 'card')).toEqual(expect.arrayContaining(['card', 'deny_regex', 'llm_input', 'validate', 'enforce']));
    expect(await policy.cells('dev', 'guardrails', 'card')).toEqual(expect.arrayContaining(['audit']));
    expect(await policy.cells('prod', 'virtual_models', 'assistant')).toEqual(['assistant', 'demo/echo', '429, 500, 502, 503, 504, timeout']);
    expect(await policy.settings('prod', 'metadata')).toEqual({ required: 'ticket_id, team' });
    expect(await policy.settings('prod', 'models')).toEqual({ allow: 'demo/*, assistant', deny: 'demo/slow' });
    expect(await policy.settings('prod', 'logging')).toEqual({ bodies: 'redacted', retention_days: '14' });
    expect(await policy.settings('dev', 'logging')).toEqual({ bodies: 'full', retention_days: '30' });
    // A rule the step changes is marked in the tier it moves to.
    expect(await policy.rowChange('prod', 'rate_limits', 'per-user')).toBe('tightened');
    expect(await policy.rowChange('prod', 'rate_limits', 'ide-tokens')).toBe('added');
  });

  it('lists a refused edit problem by problem, with the line and field `gatehouse policy check` reports', async () => {
    await dash.open(TEST_TOKEN, 'policy');
    await dash.testId('policy-diff').waitFor();
    writeFileSync(policyFile, BROKEN);
    await dash.testId('policy-last-error').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: screenshotPath('policy-refused'), fullPage: true });
    const items = policy.problems();
    const check = runCli(['policy', 'check', policyFile, '--json'], { GATEHOUSE_HOME: home });
    expect(check.code).toBe(1);
    const reported = (JSON.parse(check.stdout) as { problems: { line: number; path: string; message: string }[] }).problems;
    expect(reported.length).toBe(2);
    expect(await policy.problemList()).toEqual(reported.map((p) => ({ line: `line ${p.line}`, field: p.path, message: p.message })));
    // The last good policy stays on the page below the refusal.
    expect(await policy.ruleIds('prod', 'rate_limits')).toEqual(['per-user', 'ide-tokens']);
    writeFileSync(policyFile, POLICY);
    await items.first().waitFor({ state: 'detached', timeout: 10_000 });
  });
});
