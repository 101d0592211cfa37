import { describe, expect, it } from 'vitest';
import { IPC } from '../ipc-contract.js';
import { dispatchIpc, IPC_HANDLERS, IpcError, type IpcServices } from './ipc.js';
import { APP_CSP, dashboardUrl, isAllowedNavigation, isSafeExternal, windowOptions } from './window-security.js';

const GW = 'http://127.0.0.1:4141';

describe('the dashboard window', () => {
  it('is sandboxed, isolated and without Node', () => {
    const o = windowOptions('/app/preload/index.cjs');
    expect(o.webPreferences).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('has a CSP without inline or eval script, foreign origins or framing', () => {
    const directives = new Map(APP_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
  });

  it('navigates only within the dashboard page of the gateway it runs', () => {
    expect(dashboardUrl(`${GW}/v1`, 'preview')).toBe(`${GW}/ui/#/preview`);
    expect(isAllowedNavigation(`${GW}/ui/#/traces/abc`, GW)).toBe(true);
    expect(isAllowedNavigation(`${GW}/api/traces`, GW)).toBe(false);
    expect(isAllowedNavigation('http://127.0.0.1:9999/ui/', GW)).toBe(false);
    expect(isAllowedNavigation('http://localhost:4141/ui/', GW)).toBe(false);
    expect(isAllowedNavigation('https://evil.example/ui/', GW)).toBe(false);
    expect(isAllowedNavigation('not a url', GW)).toBe(false);
  });

  it('opens only web URLs in the OS, never files, scripts or app schemes', () => {
    expect(isSafeExternal('https://docs.example.com/guide')).toBe(true);
    expect(isSafeExternal('http://example.com')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'vscode://x', 'ms-msdt:/id', 'https://user:pw@example.com', 'data:text/html,x', '//x', '']) {
      expect(isSafeExternal(bad), bad).toBe(false);
    }
  });
});

describe('IPC', () => {
  const opened: string[] = [];
  const switched: [string, boolean][] = [];
  const services: IpcServices = {
    gatewayUrl: () => GW,
    token: () => 'gh_local_test',
    openExternal: async (url) => void opened.push(url),
    notifications: () => ({ limit: true, 'prod-streak': true, policy: true, gateway: true }),
    setNotification: (kind, on) => void switched.push([kind, on]),
    enroll: async () => ({ ok: false, error: 'enrollment is tested in enrollment.test.ts' }),
    setKey: async () => ({ ok: false, error: 'keys are tested in test/ui/desktop-enroll.test.ts' }),
  };
  const h = (channel: string) => IPC_HANDLERS.find((x) => x.channel === channel)!;
  const dashboard = { url: `${GW}/ui/#/traces`, isTopFrame: true };

  it('every channel of the contract has exactly one handler, and nothing else does', () => {
    expect(IPC_HANDLERS.map((x) => x.channel).sort()).toEqual(Object.values(IPC).sort());
  });

  it('hands the token to the dashboard only', () => {
    expect(dispatchIpc(h(IPC.token), dashboard, [], services)).toBe('gh_local_test');
    for (const sender of [
      { url: 'https://evil.example/', isTopFrame: true },
      { url: `${GW}/ui/`, isTopFrame: false },
      { url: 'http://127.0.0.1:9999/ui/', isTopFrame: true },
      { url: undefined, isTopFrame: true },
    ]) {
      expect(() => dispatchIpc(h(IPC.token), sender, [], services), String(sender.url)).toThrow(IpcError);
    }
    expect(() => dispatchIpc(h(IPC.token), dashboard, [], { ...services, gatewayUrl: () => null })).toThrow(/GH_ERR_IPC_SENDER/);
  });

  it('validates every argument before acting', async () => {
    await dispatchIpc(h(IPC.openExternal), dashboard, ['https://example.com/docs'], services);
    expect(opened).toEqual(['https://example.com/docs']);
    for (const bad of [['file:///etc/passwd'], [42], [], ['https://a.example', 'extra'], ['javascript:alert(1)']]) {
      expect(() => dispatchIpc(h(IPC.openExternal), dashboard, bad, services), JSON.stringify(bad)).toThrow(/GH_ERR_IPC_ARGS/);
    }
    expect(opened).toHaveLength(1);
    dispatchIpc(h(IPC.setNotification), dashboard, ['limit', false], services);
    expect(switched).toEqual([['limit', false]]);
    expect(() => dispatchIpc(h(IPC.setNotification), dashboard, ['everything', false], services)).toThrow(/GH_ERR_IPC_ARGS/);
    expect(() => dispatchIpc(h(IPC.setNotification), dashboard, ['limit', 'no'], services)).toThrow(/GH_ERR_IPC_ARGS/);
    expect(() => dispatchIpc(h(IPC.token), dashboard, ['extra'], services)).toThrow(/GH_ERR_IPC_ARGS/);
  });

  it('the preload exposes named methods only, never ipcRenderer or a generic invoke', async () => {
    const { readFile } = await import('node:fs/promises');
    const preload = await readFile(new URL('../preload/index.ts', import.meta.url), 'utf8');
    expect(preload).toContain("exposeInMainWorld('gatehouse', bridge)");
    expect(preload).not.toMatch(/invoke\(\s*channel|exposeInMainWorld\([^)]*ipcRenderer|\.\.\.args/);
    // Each channel it uses is one of the contract's, named, not passed through.
    const used = [...preload.matchAll(/IPC\.(\w+)/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(Object.keys(IPC)));
  });
});
