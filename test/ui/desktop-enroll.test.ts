import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homePaths, writeRuntime } from '../../local-gateway/core/home.js';
import { enrollFromApp } from '../../electron/main/enrollment.js';
import { dispatchIpc, IPC_HANDLERS } from '../../electron/main/ipc.js';
import { IPC } from '../../electron/ipc-contract.js';
import type { FleetView } from '../../sync/protocol.js';
import { bundleText } from '../helpers/bundles.js';
import { startCentral, type TestCentral } from '../helpers/central.js';
import { startGateway, TEST_TOKEN, type TestGateway } from '../helpers/gateway.js';
import { testKeychain, type TestKeychain } from '../helpers/keychain.js';
import { browserAvailable, screenshotPath } from './browser.js';
import { openDashboard, type Dashboard } from './pages.js';

/**
 * Enrolling from the dashboard inside the desktop app. Without the Electron binary the page gets
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
  kc = await testKeychain('test/ui/desktop-enroll.test.ts');
  central = await startCentral({ org: 'acme' });
  await central.publish(bundleText({ version: 0 }));
  gw = await startGateway({}, kc.env);
  // What `gatehouse start` leaves in the home (its token where no keychain holds it, and where it listens), so the enrollment has the running gateway sync.
  writeFileSync(homePaths(gw.home).token, `${TEST_TOKEN}\n`, { mode: 0o600 });
  writeRuntime(homePaths(gw.home), { pid: process.pid, port: Number(new URL(gw.url).port), url: gw.url, started_at: new Date().toISOString() });
  ({ browser, page, dash } = await openDashboard(gw.url));
  const handler = IPC_HANDLERS.find((h) => h.channel === IPC.enroll)!;
  await page.exposeFunction('__gatehouseEnroll', (frameUrl: string, central: string, pat: string) =>
    dispatchIpc(handler, { url: frameUrl, isTopFrame: true }, [central, pat], {
      gatewayUrl: () => gw.url,
      token: () => TEST_TOKEN,
      openExternal: async () => {},
      notifications: () => ({ limit: true, 'prod-streak': true, policy: true, gateway: true }),
      setNotification: () => {},
      enroll: (c, p) => enrollFromApp(homePaths(gw.home), kc.keychain, c, p),
    }),
  );
  await page.addInitScript(`window.gatehouse = { token: ${JSON.stringify(TEST_TOKEN)}, enroll: (c, p) => window.__gatehouseEnroll(location.href, c, p) };`);
});

afterAll(async () => {
  if (!RUN) return;
  await browser?.close();
  await gw?.close();
  await central?.close();
  await kc?.cleanup();
});

describe.skipIf(!RUN)('enrolling from the desktop app', () => {
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
