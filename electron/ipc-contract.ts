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
} as const;

/** What the preload puts on `window.gatehouse` (the dashboard reads `token`). */
export interface GatehouseBridge {
  readonly token: string | null;
  openExternal(url: string): Promise<void>;
  notifications: {
    get(): Promise<Record<string, boolean>>;
    set(kind: string, enabled: boolean): Promise<void>;
  };
}
