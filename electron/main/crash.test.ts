import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/gateway.js';
import { findHomeOwner } from './attach.js';
import { createController, type Controller, type DesktopShell } from './controller.js';
import { gatewayCommand, spawnGateway } from './gateway-process.js';
import { createLifecycle, type GatewayState } from './lifecycle.js';
import { createNotifier, type Notice } from './notifications.js';
import type { TrayModel } from './tray-model.js';

/** The compiled CLI (test/global-setup.ts builds it): the same entry `gatehouse start` runs. */
const ENTRY = fileURLToPath(new URL('../../dist/local-gateway/cli/main.js', import.meta.url));
const TOKEN = 'gh_local_crash_test';
const ENV = { ...process.env, GATEHOUSE_KEYCHAIN: 'off', GATEHOUSE_TOKEN: TOKEN, npm_node_execpath: process.execPath };

const homes: string[] = [];
const pids: number[] = [];
let controller: Controller | null = null;
afterEach(() => {
  controller?.close();
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

const running = (s: GatewayState) => (s.kind === 'running' ? s : null);

describe('a gateway process that dies, as the tray shows it', () => {
  it('the tray turns red and says why and when, a notification says so, and the restarted gateway turns it green again', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'));
    homes.push(home);
    const renders: TrayModel[] = [];
    const notices: Notice[] = [];
    const shell: DesktopShell = { renderTray: (m) => void renders.push(m), copy: () => {}, openDashboard: () => {}, askKeepRunning: async () => 'stop', exit: () => {} };
    const lifecycle = createLifecycle({
      home,
      find: (h) => findHomeOwner(h),
      spawn: () => {
        const p = spawnGateway(gatewayCommand({ packaged: false, appExecPath: '/nonexistent/electron', entry: ENTRY, home, port: 0, env: ENV }));
        pids.push(p.pid);
        return p;
      },
      onChange: (s) => controller!.onState(s),
      backoffMs: [1000],
      pollMs: 20,
    });
    const c = createController({ lifecycle, notifier: createNotifier({ show: (n) => void notices.push(n), now: Date.now }), shell, token: () => TOKEN });
    controller = c;
    await lifecycle.start();
    const first = await waitFor(() => running(lifecycle.state), 'the gateway to run', 15_000);
    expect(c.model.icon).toBe('running');

    process.kill(first.pid, 'SIGKILL');
    const red = await waitFor(() => renders.find((m) => m.icon === 'error'), 'the tray to show the crash', 15_000);
    expect(red.items[0]).toEqual({ type: 'label', label: 'The gateway was killed by SIGKILL: restarting in 1 s (attempt 1)' });
    expect(red.tooltip).toBe('Gatehouse: The gateway was killed by SIGKILL: restarting in 1 s (attempt 1)');
    expect(notices).toEqual([{ kind: 'gateway', title: 'The gateway stopped unexpectedly', body: 'The gateway was killed by SIGKILL; Gatehouse restarts it in 1 s (attempt 1).' }]);

    const second = await waitFor(() => {
      const s = running(lifecycle.state);
      return s && s.pid !== first.pid ? s : null;
    }, 'the restarted gateway', 15_000);
    expect(second.owned).toBe(true);
    expect(c.model.icon).toBe('running');
    expect(c.model.items[0]).toEqual({ type: 'label', label: `Gatehouse running on ${second.url}` });
    await lifecycle.quit(false);
  });
});
