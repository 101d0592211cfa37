/**
 * The channels between the dashboard's preload and the main process, one name per method.
 * The preload exposes each as a named function (never a generic `invoke(channel)`); main
 * validates the sender and the argument of every one (electron/main/ipc.ts).
 */
export const IPC = {
  /** Synchronous, once at preload: the local token the dashboard sends as its bearer. */
  token: 'gatehouse:token',
  openExternal: 'gatehouse:open-external',
  getNotifications: 'gatehouse:notifications:get',
  setNotification: 'gatehouse:notifications:set',
  /** Enrolls the device with the org's central gateway (the PAT goes to the OS keychain, never to the page's storage). */
  enroll: 'gatehouse:enroll',
  /** Stores a provider key in the OS keychain (the same as `gatehouse keys set NAME`). */
  setKey: 'gatehouse:keys:set',
} as const;

/** The key prompt's answer as the page sees it (electron/main/keys.ts). */
export type SetKeyResult = { ok: true; name: string; kind: string; reloaded: boolean } | { ok: false; error: string };

/** The enrollment's answer as the page sees it (electron/main/enrollment.ts EnrollReplySchema). */
export type EnrollResult =
  | { ok: true; org: string; user: string; team: string | null; device_id: string; central_url: string; sync: string | null }
  | { ok: false; error: string };

/** What the preload puts on `window.gatehouse` (the dashboard reads `token`). */
export interface GatehouseBridge {
  readonly token: string | null;
  openExternal(url: string): Promise<void>;
  notifications: {
    get(): Promise<Record<string, boolean>>;
    set(kind: string, enabled: boolean): Promise<void>;
  };
  enroll(central: string, pat: string): Promise<EnrollResult>;
  keys: {
    set(name: string, value: string): Promise<SetKeyResult>;
  };
}
