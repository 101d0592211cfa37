import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHome, type HomePaths } from '../../local-gateway/core/home.js';
import { openKeychain } from '../../local-gateway/keychain/index.js';
import type { FleetView } from '../../sync/protocol.js';
import { startCentral, type TestCentral } from '../../test/helpers/central.js';
import { testKeychain, type TestKeychain } from '../../test/helpers/keychain.js';
import { IPC } from '../ipc-contract.js';
import { enrollFromApp } from './enrollment.js';
import { dispatchIpc, IPC_HANDLERS, type IpcServices } from './ipc.js';

/** The desktop app's enrollment form, from the IPC call on: a real central gateway, a real home, the OS keychain of the test's own. */
const GW = 'http://127.0.0.1:4141';
const dashboard = { url: `${GW}/ui/#/settings`, isTopFrame: true };
const handler = IPC_HANDLERS.find((h) => h.channel === IPC.enroll)!;

let central: TestCentral;
let kc: TestKeychain;
let paths: HomePaths;
const services = (keychain = kc.keychain): IpcServices => ({
  gatewayUrl: () => GW,
  token: () => null,
  openExternal: async () => {},
  notifications: () => ({ limit: true, 'prod-streak': true, policy: true, gateway: true }),
  setNotification: () => {},
  enroll: (c, p) => enrollFromApp(paths, keychain, c, p),
  setKey: async () => ({ ok: false, error: 'not in this test' }),
});
const devices = async () => (await central.adminJson<FleetView>('/v1/admin/fleet')).devices;

beforeAll(async () => {
  central = await startCentral({ org: 'acme' });
  kc = await testKeychain('electron/main/enrollment.test.ts');
  paths = ensureHome(mkdtempSync(join(tmpdir(), 'gatehouse-app-enroll-')));
});
afterAll(async () => {
  await kc?.cleanup();
  await central?.close();
  rmSync(paths.dir, { recursive: true, force: true });
});

describe('enrollment from the desktop app', () => {
  it('refuses a bad URL or PAT in main, with a coded error that never echoes the PAT, before the central hears of it', async () => {
    const bad: unknown[][] = [
      ['file:///etc/passwd', 'gh_pat_x'],
      [central.url, ''],
      [central.url, 'two words'],
      [central.url],
      [central.url, { pat: 'gh_pat_x' }],
    ];
    for (const args of bad) {
      let message = '';
      try {
        await dispatchIpc(handler, dashboard, args, services());
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^GH_ERR_IPC_ARGS: gatehouse:enroll refused: /);
      expect(message).not.toContain('gh_pat_x');
      expect(message).not.toContain('two words');
    }
    expect(message(() => dispatchIpc(handler, { url: 'https://evil.example/', isTopFrame: true }, [central.url, 'gh_pat_x'], services()))).toMatch(/^GH_ERR_IPC_SENDER: /);
    expect(await devices()).toEqual([]);
  });

  it('a keychain that cannot hold the PAT is one sentence, and registers no device', async () => {
    const { pat } = await central.createPat('ada', 'payments');
    const reply = await dispatchIpc(handler, dashboard, [central.url, pat], services(openKeychain({ GATEHOUSE_KEYCHAIN: 'off' })));
    expect(reply).toMatchObject({ ok: false });
    expect(JSON.stringify(reply)).toContain('No OS keychain is reachable');
    expect(JSON.stringify(reply)).not.toContain(pat);
    expect(await devices()).toEqual([]);
  });

  it('enrolls through the same module as `gatehouse enroll`: PAT in the keychain, device at the central, no PAT on disk', async (ctx) => {
    if (!kc.available) ctx.skip();
    const { pat } = await central.createPat('grace', 'platform');
    const reply = await dispatchIpc(handler, dashboard, [` ${central.url} `, `${pat}\n`], services());
    expect(reply).toMatchObject({ ok: true, org: 'acme', user: 'grace', team: 'platform', central_url: central.url, sync: null });
    expect(await kc.keychain.get('pat')).toBe(pat);
    const enrollment = readFileSync(paths.enrollment, 'utf8');
    expect(enrollment).toContain((reply as { device_id: string }).device_id);
    expect(enrollment).not.toContain(pat);
    expect((await devices()).map((d) => d.user)).toEqual(['grace']);
    expect(existsSync(paths.enrollment)).toBe(true);
  });

  it('a PAT the central refuses says so, and leaves no enrollment behind', async (ctx) => {
    if (!kc.available) ctx.skip();
    rmSync(paths.enrollment, { force: true });
    const reply = await dispatchIpc(handler, dashboard, [central.url, 'gh_pat_not_a_real_one_0123456789'], services());
    expect(reply).toMatchObject({ ok: false });
    expect(existsSync(paths.enrollment)).toBe(false);
  });
});

describe('the key prompt from the desktop app', () => {
  it("refuses a malformed or reserved name and an empty value in main, never echoing the value", () => {
    const setKey = IPC_HANDLERS.find((h) => h.channel === IPC.setKey)!;
    for (const args of [['../etc', 'sk-secret-value-1'], ['local-token-abc', 'sk-secret-value-1'], ['openai', '  '], ['openai']]) {
      const m = message(() => dispatchIpc(setKey, dashboard, args, services()));
      expect(m).toMatch(/^GH_ERR_IPC_ARGS: gatehouse:keys:set refused: /);
      expect(m).not.toContain('sk-secret-value-1');
    }
  });
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}
