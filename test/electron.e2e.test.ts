import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ElectronApplication } from 'playwright-core';
import { findElectronBinary } from '../electron/binary.js';
import type { GatewayState } from '../electron/main/lifecycle.js';
import type { TrayModel } from '../electron/main/tray-model.js';
import { waitFor } from './helpers/gateway.js';

/**
 * The desktop app end to end, through playwright-core's Electron driver: launch, the tray model,
 * the dashboard window, a request showing up in it. Where the Electron binary is missing (it
 * cannot be downloaded on this project's machines) it skips with one line, unless
 * GATEHOUSE_TEST_ELECTRON=required makes that a failure.
 */
function electronAvailable(): string | null {
  const found = findElectronBinary();
  if ('path' in found) return found.path;
  const reason = `desktop app end-to-end test: ${found.missing} (npm run app fetches it)`;
  if (process.env.GATEHOUSE_TEST_ELECTRON === 'required') throw new Error(`${reason}, and GATEHOUSE_TEST_ELECTRON=required`);
  console.log(`skipping ${reason}`);
  return null;
}

const binary = electronAvailable();
const MAIN = fileURLToPath(new URL('../dist/electron/main/index.js', import.meta.url));
const TOKEN = 'gh_local_electron_e2e';
const home = mkdtempSync(join(tmpdir(), 'gatehouse-electron-'));
let app: ElectronApplication | null = null;

afterAll(async () => {
  // Quit asks whether to keep the gateway: the test closes the app and the gateway it started with it.
  const pid = app ? await app.evaluate(() => {
    const s = (globalThis as unknown as { gatehouseApp: { state(): GatewayState } }).gatehouseApp.state();
    return s.kind === 'running' ? s.pid : null;
  }).catch(() => null) : null;
  await app?.close();
  if (pid) process.kill(pid, 'SIGTERM');
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(binary === null)('desktop app', () => {
  it('launches, runs the gateway, shows the tray and the dashboard, and a request appears', { timeout: 90_000 }, async () => {
    // The suite's global setup builds the gateway and the dashboard; the app's main and preload are built here.
    execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--config', 'electron/electron.vite.config.ts', '--logLevel', 'error'], { stdio: 'inherit' });
    const { _electron } = await import('playwright-core');
    app = await _electron.launch({
      executablePath: binary!,
      args: [MAIN, '--no-sandbox'],
      env: { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_PORT: '0', GATEHOUSE_KEYCHAIN: 'off', GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_APP_TEST: '1', XDG_CONFIG_HOME: join(home, 'config') },
    });
    const tray = () => app!.evaluate(() => (globalThis as unknown as { gatehouseApp: { tray(): TrayModel } }).gatehouseApp.tray());
    const model = await waitFor(async () => {
      const m = await tray();
      return m.icon === 'running' ? m : null;
    }, 'the tray to show a running gateway', 20_000);
    const endpoint = model.items.find((i) => i.type === 'action' && i.action === 'copy-endpoint');
    expect(endpoint?.type === 'action' && endpoint.enabled).toBe(true);

    const page = await app.firstWindow();
    await page.getByTestId('nav-traces').waitFor();
    const url = new URL(page.url()).origin;
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hello from the desktop e2e' }] }),
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-gatehouse-trace-id')!;
    await page.locator(`[data-testid="trace-row"][data-trace-id="${id}"]`).waitFor({ timeout: 15_000 });
    // The page got its token from the preload, not from a URL.
    expect(page.url()).not.toContain('token=');
  });
});
