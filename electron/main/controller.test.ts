import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homePaths, writeRuntime } from '../../local-gateway/core/home.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from '../../test/helpers/gateway.js';
import { chat, writePolicy } from '../../test/helpers/policy.js';
import { setupText } from '../../local-gateway/cli/setup.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findHomeOwner } from './attach.js';
import { xdgLoginItem } from './login-item.js';
import { createController, type Controller, type DesktopShell } from './controller.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createNotifier, type Notice } from './notifications.js';
import type { TrayModel } from './tray-model.js';

/** A prod tier that wants a ticket id on every request; dev lets them through. */
const POLICY = `
apiVersion: gatehouse/v1
org: acme
version: 4
tiers:
  dev: {}
  prod: { metadata: { required: [ticket_id] } }
`;

let gw: TestGateway;
let lifecycle: Lifecycle;
let controller: Controller;
const copied: string[] = [];
const opened: string[] = [];
const notices: Notice[] = [];
let asked = 0;
let exited = 0;
let renders: TrayModel[] = [];

const autostart = () => join(gw.home, 'config', 'autostart', 'gatehouse.desktop');
const labels = () => controller.model.items.flatMap((i) => (i.type === 'separator' ? [] : [i.label]));

beforeAll(async () => {
  gw = await startGateway({ policy: writePolicy(POLICY), tiers: { active: 'dev', shadow: ['prod'] } });
  // What `gatehouse start` writes once it listens: this test process is the gateway's process.
  writeRuntime(homePaths(gw.home), { pid: process.pid, port: Number(new URL(gw.url).port), url: gw.url, started_at: new Date().toISOString() });
  const shell: DesktopShell = {
    renderTray: (m) => void renders.push(m),
    copy: (t) => void copied.push(t),
    openDashboard: (url, route) => void opened.push(`${url} ${route}`),
    askKeepRunning: async () => {
      asked++;
      return 'keep';
    },
    exit: () => void exited++,
  };
  const notifier = createNotifier({ show: (n) => void notices.push(n), now: Date.now, streak: 2 });
  lifecycle = createLifecycle({ home: gw.home, find: findHomeOwner, spawn: () => { throw new Error('attaches in this test'); }, onChange: (s) => controller.onState(s) });
  controller = createController({ lifecycle, notifier, shell, token: () => TEST_TOKEN, loginItem: xdgLoginItem(autostart(), { exec: '/opt/Gatehouse/gatehouse', args: ['--hidden'] }) });
});
afterAll(async () => {
  controller.close();
  await gw.close();
});

describe('the tray app against a real gateway', () => {
  it('attaches, then shows the policy and what prod would block in the last hour', async () => {
    await lifecycle.start();
    await waitFor(() => labels().includes('0 requests in the last hour would be blocked in prod'), 'the first look at the gateway');
    expect(controller.model.icon).toBe('running');
    expect(labels()).toContain('Policy: acme v4 (file); not enrolled');
    expect(renders.length).toBeGreaterThan(0);
  });

  it('a request prod would block updates the tray through the live events, and a streak notifies', async () => {
    renders = [];
    expect((await chat(gw, 'hello from the tray test', { model: 'demo/echo' })).status).toBe(200);
    await waitFor(() => labels().includes('1 request in the last hour would be blocked in prod'), 'the tray to count the request');
    expect(notices).toEqual([]);
    expect((await chat(gw, 'hello again', { model: 'demo/echo' })).status).toBe(200);
    await waitFor(() => notices.length === 1, 'the streak notification');
    expect(notices[0]!.title).toBe('2 requests in a row would be blocked in prod');
    expect(renders.at(-1)?.items.some((i) => i.type === 'action' && i.action === 'open-preview')).toBe(true);
  });

  it('menu actions copy the endpoint and token and open the dashboard and the prod preview', async () => {
    await controller.act('copy-endpoint');
    await controller.act('copy-token');
    await controller.act('open-dashboard');
    await controller.act('open-preview');
    expect(copied).toEqual([`${gw.url}/v1`, TEST_TOKEN]);
    expect(opened).toEqual([`${gw.url} traces`, `${gw.url} preview`]);
  });

  it("copies an agent's settings as `gatehouse setup` prints them, with this gateway's port and token", async () => {
    await controller.act('copy-setup:claude-code');
    const text = copied.at(-1)!;
    expect(text).toContain(`ANTHROPIC_BASE_URL=${gw.url}`);
    expect(text).toContain(TEST_TOKEN);
    expect(text).toBe(setupText('claude-code', gw.url, TEST_TOKEN, process.env, controller.snapshot!.providers));
  });

  it('the Start at login checkbox writes and removes the autostart entry, and shows what the OS holds', async () => {
    const box = () => controller.model.items.find((i) => i.type === 'checkbox');
    expect(box()).toEqual({ type: 'checkbox', label: 'Start at login', action: 'toggle-login', checked: false });
    await controller.act('toggle-login');
    expect(readFileSync(autostart(), 'utf8')).toContain('Exec=/opt/Gatehouse/gatehouse --hidden');
    expect(box()).toMatchObject({ checked: true });
    expect(renders.at(-1)?.items.find((i) => i.type === 'checkbox')).toMatchObject({ checked: true });
    await controller.act('toggle-login');
    expect(existsSync(autostart())).toBe(false);
    expect(box()).toMatchObject({ checked: false });
  });

  it('quit leaves a gateway it did not start running, without asking', async () => {
    await controller.act('quit');
    expect(asked).toBe(0);
    expect(exited).toBe(1);
    expect((await fetch(`${gw.url}/healthz`)).ok).toBe(true);
  });
});
