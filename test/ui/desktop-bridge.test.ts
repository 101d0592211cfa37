import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homePaths, writeRuntime } from '../../local-gateway/core/home.js';
import { enrollFromApp } from '../../electron/main/enrollment.js';
import { setKeyFromApp } from '../../electron/main/keys.js';
import { dispatchIpc, IPC_HANDLERS, type IpcServices } from '../../electron/main/ipc.js';
import { IPC } from '../../electron/ipc-contract.js';
import type { FleetView } from '../../sync/protocol.js';
import { bundleText } from '../helpers/bundles.js';
import { startCentral, type TestCentral } from '../helpers/central.js';
import { startGateway, TEST_TOKEN, type TestGateway } from '../helpers/gateway.js';
import { testKeychain, type TestKeychain } from '../helpers/keychain.js';
import { browserAvailable, screenshotPath } from './browser.js';
import { openDashboard, type Dashboard } from './pages.js';

/**
 * Enrolling and storing a provider key from the dashboard inside the desktop app. Without the Electron binary the page gets
 * the app's bridge from an init script, and each call goes, as the preload's would, through the
 * main process's own IPC dispatch (sender check, zod) to the same enrollment the app runs.
 */
const RUN = browserAvailable();

let central: TestCentral;
let kc: TestKeychain;
let gw: TestGateway;
let browser: Browser;
let page: Page;
let dash: Dashboard;

beforeAll(async () => {
  if (!RUN) return;
  kc = await testKeychain('test/ui/desktop-bridge.test.ts');
  central = await startCentral({ org: 'acme' });
  await central.publish(bundleText({ version: 0 }));
  // A provider whose key is a keychain entry not set yet: the Providers card offers to set it.
  gw = await startGateway({ providers: [{ id: 'openai', kind: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'keychain:openai-app-test' }] }, kc.env);
  // What `gatehouse start` leaves in the home (its token where no keychain holds it, and where it listens), so the enrollment has the running gateway sync.
  writeFileSync(homePaths(gw.home).token, `${TEST_TOKEN}\n`, { mode: 0o600 });
  writeRuntime(homePaths(gw.home), { pid: process.pid, port: Number(new URL(gw.url).port), url: gw.url, started_at: new Date().toISOString() });
  ({ browser, page, dash } = await openDashboard(gw.url));
  const services: IpcServices = {
    gatewayUrl: () => gw.url,
    token: () => TEST_TOKEN,
    openExternal: async () => {},
    notifications: () => ({ limit: true, 'prod-streak': true, policy: true, gateway: true }),
    setNotification: () => {},
    enroll: (c, p) => enrollFromApp(homePaths(gw.home), kc.keychain, c, p),
    setKey: (n, v) => setKeyFromApp(homePaths(gw.home), kc.keychain, n, v),
  };
  await page.exposeFunction('__gatehouseIpc', (frameUrl: string, channel: string, args: unknown[]) =>
    dispatchIpc(IPC_HANDLERS.find((h) => h.channel === channel)!, { url: frameUrl, isTopFrame: true }, args, services),
  );
  const call = (channel: string) => `(...a) => window.__gatehouseIpc(location.href, ${JSON.stringify(channel)}, a)`;
  await page.addInitScript(`window.gatehouse = { token: ${JSON.stringify(TEST_TOKEN)}, enroll: ${call(IPC.enroll)}, keys: { set: ${call(IPC.setKey)} } };`);
});

afterAll(async () => {
  if (!RUN) return;
  await browser?.close();
  await gw?.close();
  await central?.close();
  await kc?.cleanup();
});

describe.skipIf(!RUN)('the dashboard inside the desktop app', () => {
  it('a provider key missing from the keychain is set from the Providers card; the running gateway takes it at once', async (ctx) => {
    if (!kc.available) ctx.skip();
    await page.goto(`${gw.url}/ui/#/settings`);
    await dash.testId('settings-providers').waitFor();
    const key = dash.testId('provider-row').filter({ hasText: 'http://127.0.0.1:9/v1' }).getByTestId('provider-key');
    expect(await key.textContent()).toBe('missing: gatehouse keys set openai-app-test (value on stdin)');
    await dash.testId('key-set-openai-app-test').click();
    await dash.testId('key-value-openai-app-test').fill('sk-app-test-0123456789abcdef');
    await dash.testId('key-save-openai-app-test').click();
    await page.getByText('present (keychain:openai-app-test)').waitFor();
    expect(await key.textContent()).toBe('present (keychain:openai-app-test)');
    expect(await kc.keychain.get('openai-app-test')).toBe('sk-app-test-0123456789abcdef');
    expect(await page.content()).not.toContain('sk-app-test-0123456789abcdef');
  }, 60_000);

  it('the Fleet sync card takes the central URL and the PAT; the device enrolls, the PAT lands in the keychain and nowhere on the page', async (ctx) => {
    if (!kc.available) ctx.skip();
    const { pat } = await central.createPat('ada', 'platform');
    await page.goto(`${gw.url}/ui/#/settings`);
    await dash.testId('enroll-form').waitFor();

    // A refusal from the central is one sentence on the form, and nothing is enrolled.
    await dash.testId('enroll-central').fill(central.url);
    await dash.testId('enroll-pat').fill('gh_pat_not_a_real_one_0123456789');
    await dash.testId('enroll-submit').click();
    await dash.testId('enroll-error').waitFor();
    expect((await central.adminJson<FleetView>('/v1/admin/fleet')).devices).toEqual([]);

    await dash.testId('enroll-pat').fill(pat);
    await dash.testId('enroll-submit').click();
    await dash.testId('sync-central').waitFor();
    expect(await dash.testId('sync-central').textContent()).toBe(central.url);
    expect(await dash.testId('sync-org').textContent()).toBe('acme · ada (team platform)');
    // The running gateway synced at once: the org's policy is in force, and the form said so.
    expect(await dash.testId('sync-policy').textContent()).toBe('org v1');
    expect(await kc.keychain.get('pat')).toBe(pat);
    expect((await central.adminJson<FleetView>('/v1/admin/fleet')).devices.map((d) => d.user)).toEqual(['ada']);
    expect(await page.content()).not.toContain(pat);
    await page.screenshot({ path: screenshotPath('settings-enrolled-from-app'), fullPage: true });
  }, 60_000);
});
