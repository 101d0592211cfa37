import type { Browser, Page } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHome } from '../../local-gateway/core/home.js';
import { openKeychain } from '../../local-gateway/keychain/index.js';
import { enroll } from '../../sync/device/enrollment.js';
import { bundleText, flipOneByte } from '../helpers/bundles.js';
import { startCentral, type TestCentral } from '../helpers/central.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startTamperProxy, type TamperProxy } from '../helpers/tamper-proxy.js';
import { browserAvailable, screenshotPath } from './browser.js';
import { openDashboard, type Dashboard } from './pages.js';

const RUN = browserAvailable();

let central: TestCentral;
let pat: string;
let deviceId: string;
let proxy: TamperProxy;
let home: string;
let gw: TestGateway;
let browser: Browser;
let page: Page;
let dash: Dashboard;

beforeAll(async () => {
  if (!RUN) return;
  central = await startCentral({ org: 'acme' });
  pat = (await central.createPat('ada', 'platform')).pat;
  proxy = await startTamperProxy(central.url);
  home = mkdtempSync(join(tmpdir(), 'gatehouse-ui-fleet-'));
  await central.publish(bundleText({ version: 0 }));
  deviceId = (await enroll({ paths: ensureHome(home), centralUrl: proxy.url, pat, patSource: 'env', keychain: openKeychain({ GATEHOUSE_KEYCHAIN: 'off' }) })).device_id;
  gw = await startGateway({}, { GATEHOUSE_PAT: pat }, { home });
  ({ browser, page, dash } = await openDashboard(gw.url));
});

afterAll(async () => {
  if (!RUN) return;
  await browser?.close();
  await gw?.close();
  await proxy?.close();
  await central?.close();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!RUN)('fleet sync in the dashboard', () => {
  it('shows the enrollment and the last sync on Settings, and a refused bundle after Sync now', async () => {
    await waitFor(async () => (await gw.api<{ version: number | null }>('/api/policy')).version === 1, 'the first cycle at start');
    await dash.open(TEST_TOKEN);
    await dash.nav('settings').click();
    await dash.testId('settings-sync').waitFor();
    expect(await dash.testId('sync-central').textContent()).toBe(proxy.url);
    expect(await dash.testId('sync-org').textContent()).toBe('acme · ada (team platform)');
    expect(await dash.testId('sync-device').textContent()).toBe(deviceId);
    expect(await dash.testId('sync-policy').textContent()).toBe('org v1');
    expect(await dash.testId('sync-last').textContent()).toContain('applied · v1 in force');
    expect(await dash.testId('sync-outbox').textContent()).toBe('0 waiting');
    expect(await page.content()).not.toContain(pat);

    await central.publish(bundleText({ version: 0, devModels: ['"openai/*"'] }));
    proxy.tamper((b) => ({ ...b, bundle: flipOneByte(b.bundle as string) }));
    await dash.testId('sync-now').click();
    await dash.testId('sync-error').waitFor();
    expect(await dash.testId('sync-error').textContent()).toContain('signature does not verify');
    expect(await dash.testId('sync-policy').textContent()).toBe('org v1');
    await page.screenshot({ path: screenshotPath('settings-fleet'), fullPage: true });

    await dash.nav('policy').click();
    await dash.testId('policy-last-sync').waitFor();
    expect(await dash.testId('policy-last-sync').textContent()).toContain('refused a bundle');
    expect(await dash.testId('policy-last-error').textContent()).toContain('An org bundle from');
  });
});
