import WebSocket from 'ws';
import { EVENTS_PROTOCOL, ServerEventSchema } from '../../local-gateway/admin/schemas.js';
import { setupText } from '../../local-gateway/cli/setup.js';
import { fetchSnapshot, type GatewaySnapshot } from './gateway-client.js';
import type { GatewayState, Lifecycle } from './lifecycle.js';
import type { LoginItem } from './login-item.js';
import type { Notifier } from './notifications.js';
import { trayModel, type SetupTool, type TrayAction, type TrayModel } from './tray-model.js';

/** What the controller needs of the desktop; the Electron adapter (index.ts) implements it. */
export interface DesktopShell {
  renderTray(model: TrayModel): void;
  copy(text: string): void;
  /** Shows the dashboard window on a route (`traces`, `preview`…). */
  openDashboard(gatewayUrl: string, route: string): void;
  /** Asks whether the gateway should keep running for the agents after Quit. */
  askKeepRunning(): Promise<'keep' | 'stop' | 'cancel'>;
  exit(): void;
}

export interface ControllerOptions {
  lifecycle: Lifecycle;
  notifier: Notifier;
  shell: DesktopShell;
  token: () => string | null;
  /** Start at login (login-item.ts), shown as a checkbox; the adapter also keeps the choice in its settings. */
  loginItem?: LoginItem;
  now?: () => number;
  /** How often the tray re-reads the gateway between live events (policy syncs, the hour's window moving on). */
  refreshMs?: number;
}

export interface Controller {
  /** The lifecycle reports each state here (LifecycleOptions.onChange). */
  onState(state: GatewayState): void;
  act(action: TrayAction): Promise<void>;
  /** The latest tray, for tests and the first render. */
  readonly model: TrayModel;
  readonly snapshot: GatewaySnapshot | null;
  refresh(): Promise<void>;
  close(): void;
}

/**
 * Joins the lifecycle, the gateway's admin API and live events, the notifier and the tray: the
 * app's behaviour, in plain TypeScript; the adapter only draws and clicks.
 */
export function createController(opts: ControllerOptions): Controller {
  const now = opts.now ?? Date.now;
  const refreshMs = opts.refreshMs ?? 30_000;
  let state: GatewayState = opts.lifecycle.state;
  let snapshot: GatewaySnapshot | null = null;
  const prefs = () => ({ openAtLogin: opts.loginItem?.enabled() });
  let model = trayModel(state, null, now(), prefs());
  let events: WebSocket | null = null;
  let timer: NodeJS.Timeout | null = null;

  const render = () => {
    model = trayModel(state, snapshot, now(), prefs());
    opts.shell.renderTray(model);
  };

  async function refresh(): Promise<void> {
    const token = opts.token();
    if (state.kind !== 'running' || token === null) return;
    const url = state.url;
    try {
      const next = await fetchSnapshot(url, token, now());
      if (state.kind !== 'running' || state.url !== url) return;
      snapshot = next;
      opts.notifier.policy(next.policy);
    } catch {
      // A gateway between restarts: the lifecycle reports it; the tray keeps the last look.
    }
    render();
  }

  function listen(url: string): void {
    const token = opts.token();
    if (token === null) return;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/events`, [EVENTS_PROTOCOL, `bearer.${token}`]);
    events = ws;
    ws.on('message', (data) => {
      let parsed;
      try {
        parsed = ServerEventSchema.safeParse(JSON.parse(String(data)));
      } catch {
        return;
      }
      if (!parsed.success) return;
      const e = parsed.data;
      if (e.type === 'trace') opts.notifier.trace(e.trace);
      if (e.type === 'trace' || e.type === 'policy') void refresh();
    });
    ws.on('error', () => {
      // The lifecycle notices a gone gateway; a new 'running' state opens a new socket.
    });
  }

  function stopWatching(): void {
    // terminate, not close: a closing handshake with a gateway that is going away could hold its stop.
    events?.terminate();
    events = null;
    if (timer) clearInterval(timer);
    timer = null;
  }

  return {
    onState(next) {
      const was = state;
      state = next;
      opts.notifier.gateway(next);
      if (next.kind === 'running' && (was.kind !== 'running' || was.url !== next.url)) {
        stopWatching();
        listen(next.url);
        timer = setInterval(() => void refresh(), refreshMs);
        timer.unref();
        void refresh();
      } else if (next.kind !== 'running') {
        stopWatching();
        snapshot = null;
      }
      render();
    },
    async act(action) {
      const url = state.kind === 'running' ? state.url : null;
      if (action.startsWith('copy-setup:')) {
        const token = opts.token();
        // The same text `gatehouse setup <agent>` prints: one implementation for the CLI and the app.
        if (url && token) opts.shell.copy(setupText(action.slice('copy-setup:'.length) as SetupTool, url, token, process.env, snapshot?.providers ?? []));
        return;
      }
      switch (action as Exclude<TrayAction, `copy-setup:${string}`>) {
        case 'copy-endpoint':
          if (url) opts.shell.copy(`${url}/v1`);
          return;
        case 'copy-token': {
          const token = opts.token();
          if (token) opts.shell.copy(token);
          return;
        }
        case 'open-dashboard':
          if (url) opts.shell.openDashboard(url, 'traces');
          return;
        case 'open-preview':
          if (url) opts.shell.openDashboard(url, 'preview');
          return;
        case 'pause':
          await opts.lifecycle.pause();
          return;
        case 'resume':
          await opts.lifecycle.resume();
          return;
        case 'toggle-login':
          opts.loginItem?.set(!opts.loginItem.enabled());
          render();
          return;
        case 'quit': {
          // A gateway started outside the app is not the app's to stop: quit leaves it as it found it.
          const owned = state.kind !== 'running' || state.owned;
          const choice = owned && state.kind !== 'paused' && state.kind !== 'stopped' ? await opts.shell.askKeepRunning() : 'keep';
          if (choice === 'cancel') return;
          stopWatching();
          await opts.lifecycle.quit(choice === 'keep');
          opts.shell.exit();
          return;
        }
      }
    },
    get model() {
      return model;
    },
    get snapshot() {
      return snapshot;
    },
    refresh,
    close: stopWatching,
  };
}
