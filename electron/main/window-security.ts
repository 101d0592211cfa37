import type { BrowserWindowConstructorOptions } from 'electron';
import { UI_CSP } from '../../local-gateway/routes/ui.js';

/**
 * The window's Content-Security-Policy: the one the gateway serves the dashboard with, so the
 * app shows the page under the same rules as the browser (no inline script or style, no
 * third-party origin, no framing). The adapter sets it on every response the window gets.
 */
export const APP_CSP = UI_CSP;

/**
 * The dashboard window: a sandboxed renderer with context isolation and no Node, which sees
 * the main process only through the preload's named methods. It shows prompt and answer text
 * from untrusted sources, so nothing in it may reach Node or Electron.
 */
export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Gatehouse',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: true,
    },
  };
}

/** The dashboard's origin on the gateway the app runs: the only place the window may show. */
export function dashboardUrl(gatewayUrl: string, route = 'traces'): string {
  return `${new URL(gatewayUrl).origin}/ui/#/${route}`;
}

/** Navigation stays on the dashboard page itself (its hash routes); anything else is refused. */
export function isAllowedNavigation(target: string, gatewayUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  return url.origin === new URL(gatewayUrl).origin && url.pathname === '/ui/';
}

/** Schemes a link may open in the OS: web pages only, never file:, javascript:, custom app schemes or smb: shares. */
const EXTERNAL_SCHEMES = new Set(['https:', 'http:']);

/** Whether a URL may go to `shell.openExternal`: a well-formed web URL without credentials. */
export function isSafeExternal(target: string): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  return EXTERNAL_SCHEMES.has(url.protocol) && url.username === '' && url.password === '' && url.hostname !== '';
}

/**
 * Whether an IPC message comes from the dashboard the app loaded: the sending frame's URL is
 * the gateway's /ui/ page and it is the window's top frame. A page the window was somehow
 * navigated to, or a frame inside it, gets no token and no action.
 */
export function isTrustedSender(frameUrl: string | undefined, isTopFrame: boolean, gatewayUrl: string | null): boolean {
  if (!isTopFrame || frameUrl === undefined || gatewayUrl === null) return false;
  return isAllowedNavigation(frameUrl, gatewayUrl);
}
