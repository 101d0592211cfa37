import { contextBridge, ipcRenderer } from 'electron';
import { IPC, type EnrollResult, type GatehouseBridge, type SetKeyResult } from '../ipc-contract.js';

/**
 * The dashboard's only way into the app: named methods, each one IPC channel that main checks
 * (sender and arguments). No ipcRenderer, no generic invoke, no Node reaches the page.
 */
const bridge: GatehouseBridge = {
  // Read once, synchronously, so the dashboard has it before its first API call.
  token: ipcRenderer.sendSync(IPC.token) as string | null,
  openExternal: async (url) => {
    await ipcRenderer.invoke(IPC.openExternal, url);
  },
  notifications: {
    get: async () => (await ipcRenderer.invoke(IPC.getNotifications)) as Record<string, boolean>,
    set: async (kind, enabled) => {
      await ipcRenderer.invoke(IPC.setNotification, kind, enabled);
    },
  },
  enroll: async (central, pat) => (await ipcRenderer.invoke(IPC.enroll, central, pat)) as EnrollResult,
  keys: {
    set: async (name, value) => (await ipcRenderer.invoke(IPC.setKey, name, value)) as SetKeyResult,
  },
};

contextBridge.exposeInMainWorld('gatehouse', bridge);
