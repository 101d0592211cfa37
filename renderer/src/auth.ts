import { desktopBridge } from './desktop';

/**
 * The local token: from the desktop app's preload when present, else from the URL fragment
 * (`/ui/#token=…`, never sent to the server in a URL), kept in sessionStorage so a reload
 * keeps working and removed from the address bar so it is not left on screen or in history.
 */
const KEY = 'gatehouse-token';

/** Takes a token out of the fragment, if one is there; call once, before the router reads the hash. */
export function captureToken(): void {
  const hash = window.location.hash.slice(1);
  if (!hash.includes('token=')) return;
  const params = new URLSearchParams(hash.startsWith('/') ? '' : hash);
  const token = params.get('token');
  if (token) sessionStorage.setItem(KEY, token);
  history.replaceState(null, '', `${window.location.pathname}#/traces`);
}

export function getToken(): string | null {
  return desktopBridge()?.token ?? sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
