/**
 * What the desktop app's preload puts on `window.gatehouse` (electron/ipc-contract.ts is the
 * contract; the dashboard may not import from electron/, so this is its view of it). In a
 * browser there is none, and every member is optional so an older app's bridge still works.
 */
export type EnrollResult =
  | { ok: true; org: string; user: string; team: string | null; device_id: string; central_url: string; sync: string | null }
  | { ok: false; error: string };

export type SetKeyResult = { ok: true; name: string; kind: string; reloaded: boolean } | { ok: false; error: string };

export interface DesktopBridge {
  readonly token?: string | null;
  enroll?(central: string, pat: string): Promise<EnrollResult>;
  keys?: { set(name: string, value: string): Promise<SetKeyResult> };
}

declare global {
  interface Window {
    gatehouse?: DesktopBridge;
  }
}

export const desktopBridge = (): DesktopBridge | null => window.gatehouse ?? null;
