/**
 * The Electron adapter: the only main-process file that touches Electron's APIs. Everything it
 * decides comes from the plain modules beside it (lifecycle, controller, tray model, IPC,
 * window security), which the Node tests cover; this file draws, clicks and wires.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, nativeImage, Notification, session, shell, Tray } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveHome, resolvePort } from '../../local-gateway/cli/args.js';
import { ensureHome } from '../../local-gateway/core/home.js';
import { openKeychain } from '../../local-gateway/keychain/index.js';
import { resolveLocalToken } from '../../local-gateway/keychain/token.js';
import { readAppSettings, writeAppSettings, type AppSettings } from './app-settings.js';
import { findHomeOwner } from './attach.js';
import { createController, type DesktopShell } from './controller.js';
import { enrollFromApp } from './enrollment.js';
import { setKeyFromApp } from './keys.js';
import { CLI_ENTRY, gatewayCommand, spawnGateway } from './gateway-process.js';
import { dispatchIpc, IPC_HANDLERS, type IpcServices } from './ipc.js';
import { createLifecycle } from './lifecycle.js';
import { autostartFile, HIDDEN_ARG, launchCommand, loginItemSettings, settleLoginItem, xdgLoginItem, type LoginItem } from './login-item.js';
import { createNotifier } from './notifications.js';
import type { TrayItem, TrayModel } from './tray-model.js';
import { APP_CSP, dashboardUrl, isAllowedNavigation, isSafeExternal, windowOptions } from './window-security.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const PRELOAD = join(here, '../preload/index.cjs');
const resources = app.isPackaged ? process.resourcesPath : join(here, '../../../electron/resources');

if (!app.requestSingleInstanceLock()) {
  // A second launch (the login item and a click, say) hands over to the first and leaves.
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  await app.whenReady();
  const home = resolveHome(undefined);
  const paths = ensureHome(home);
  const token = (await resolveLocalToken(paths))?.value ?? null;
  const settingsFile = join(app.getPath('userData'), 'settings.json');
  let settings = readAppSettings(settingsFile);
  const saveSettings = (patch: Partial<AppSettings>) => {
    settings = { ...settings, ...patch };
    writeAppSettings(settingsFile, settings);
  };

  // Linux has no login items in Electron: an XDG autostart entry instead; macOS and Windows keep their own.
  const osLoginItem: LoginItem =
    process.platform === 'linux'
      ? xdgLoginItem(autostartFile(), launchCommand({ packaged: app.isPackaged, execPath: process.execPath, mainScript: fileURLToPath(import.meta.url), env: process.env }))
      : { enabled: () => app.getLoginItemSettings().openAtLogin, set: (on) => app.setLoginItemSettings(loginItemSettings(on)) };
  const loginItem: LoginItem = {
    enabled: () => osLoginItem.enabled(),
    set(on) {
      osLoginItem.set(on);
      saveSettings({ openAtLogin: on });
    },
  };
  saveSettings({ openAtLogin: settleLoginItem(osLoginItem, settings.openAtLogin, app.isPackaged) });

  let window: BrowserWindow | null = null;
  let showOnRun = !process.argv.includes(HIDDEN_ARG);
  let tray: Tray | null = null;

  const notifier = createNotifier({
    now: Date.now,
    settings: settings.notifications,
    show: (n) => new Notification({ title: n.title, body: n.body }).show(),
  });

  const lifecycle = createLifecycle({
    home,
    find: (h) => findHomeOwner(h),
    spawn: () =>
      spawnGateway(gatewayCommand({ packaged: app.isPackaged, appExecPath: process.execPath, entry: CLI_ENTRY, home, port: resolvePort(undefined), env: process.env })),
    onChange: (s) => {
      controller.onState(s);
      // The first time the gateway answers, show the dashboard, unless started hidden (at login).
      if (s.kind === 'running' && showOnRun) {
        showOnRun = false;
        openDashboard(s.url, 'traces');
      }
    },
  });

  const gatewayUrl = () => (lifecycle.state.kind === 'running' ? lifecycle.state.url : null);

  function openDashboard(url: string, route: string): void {
    if (window === null || window.isDestroyed()) window = createWindow();
    void window.loadURL(dashboardUrl(url, route));
    window.once('ready-to-show', () => window?.show());
    window.show();
    window.focus();
  }

  function createWindow(): BrowserWindow {
    const win = new BrowserWindow(windowOptions(PRELOAD));
    win.webContents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternal(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    const lockNavigation = (event: Electron.Event, url: string) => {
      const gw = gatewayUrl();
      if (gw === null || !isAllowedNavigation(url, gw)) event.preventDefault();
    };
    win.webContents.on('will-navigate', lockNavigation);
    win.webContents.on('will-redirect', lockNavigation);
    win.webContents.on('will-attach-webview', (event) => event.preventDefault());
    // Closing the window hides the dashboard; the gateway and the tray go on.
    win.on('closed', () => (window = null));
    return win;
  }

  const menuItem = (item: TrayItem): Electron.MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'submenu':
        return { label: item.label, submenu: item.items.map(menuItem) };
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => void controller.act(item.action) };
      case 'checkbox':
        return { label: item.label, type: 'checkbox', checked: item.checked, click: () => void controller.act(item.action) };
    }
  };

  const shellAdapter: DesktopShell = {
    renderTray(model: TrayModel) {
      tray ??= new Tray(nativeImage.createFromPath(join(resources, `tray-${model.icon}.png`)));
      tray.setImage(nativeImage.createFromPath(join(resources, `tray-${model.icon}.png`)));
      tray.setToolTip(model.tooltip);
      tray.setContextMenu(
        Menu.buildFromTemplate(
          model.items.map(menuItem),
        ),
      );
    },
    copy: (text) => clipboard.writeText(text),
    openDashboard,
    async askKeepRunning() {
      if (settings.onQuit !== 'ask') return settings.onQuit;
      const r = await dialog.showMessageBox({
        type: 'question',
        message: 'Keep the gateway running for your agents?',
        detail: 'Your IDE agents call Gatehouse on 127.0.0.1. If it stops, their requests fail until you start the app again.',
        buttons: ['Keep running', 'Stop gateway', 'Cancel'],
        defaultId: 0,
        cancelId: 2,
        checkboxLabel: 'Remember my choice',
      });
      const choice = (['keep', 'stop', 'cancel'] as const)[r.response] ?? 'cancel';
      if (r.checkboxChecked && choice !== 'cancel') saveSettings({ onQuit: choice });
      return choice;
    },
    exit: () => app.exit(0),
  };

  const controller = createController({ lifecycle, notifier, shell: shellAdapter, token: () => token, loginItem });

  const services: IpcServices = {
    gatewayUrl,
    token: () => token,
    openExternal: (url) => shell.openExternal(url),
    notifications: () => notifier.settings(),
    setNotification(kind, on) {
      notifier.setEnabled(kind, on);
      saveSettings({ notifications: notifier.settings() });
    },
    enroll: (central, pat) => enrollFromApp(paths, openKeychain(), central, pat),
    setKey: (name, value) => setKeyFromApp(paths, openKeychain(), name, value),
  };
  for (const h of IPC_HANDLERS) {
    const sender = (frame: Electron.WebFrameMain | null) => ({ url: frame?.url, isTopFrame: frame !== null && frame.parent === null });
    if (h.sync) {
      ipcMain.on(h.channel, (event, ...args: unknown[]) => {
        try {
          event.returnValue = dispatchIpc(h, sender(event.senderFrame), args, services);
        } catch {
          event.returnValue = null;
        }
      });
    } else ipcMain.handle(h.channel, async (event, ...args: unknown[]) => dispatchIpc(h, sender(event.senderFrame), args, services));
  }

  // The gateway sends the dashboard's CSP; this holds it for every response the window gets, whatever serves it.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  app.on('second-instance', () => {
    const url = gatewayUrl();
    if (url) openDashboard(url, 'traces');
  });
  // The tray app lives on with no window: the gateway is for the agents, the window for the developer.
  app.on('window-all-closed', () => {});
  app.on('before-quit', (event) => {
    if (lifecycle.state.kind === 'stopped') return;
    event.preventDefault();
    void controller.act('quit');
  });

  // The end-to-end test (test/electron.e2e.test.ts) reads the tray it cannot click: the model, never an action.
  if (process.env.GATEHOUSE_APP_TEST === '1') Object.assign(globalThis, { gatehouseApp: { tray: () => controller.model, state: () => lifecycle.state } });

  controller.onState(lifecycle.state);
  await lifecycle.start();
}
