import { SETUP_TOOLS } from '../../local-gateway/cli/setup.js';
import type { GatewayState } from './lifecycle.js';
import type { GatewaySnapshot } from './gateway-client.js';

/** The icon the tray shows; the adapter maps each to an image (electron/resources/tray-<icon>.png). */
export type TrayIcon = 'running' | 'paused' | 'error' | 'policy-warning';

/** What a menu item does when clicked; the adapter runs it. */
export type TrayAction = 'copy-endpoint' | 'copy-token' | 'open-dashboard' | 'open-preview' | 'pause' | 'resume' | 'toggle-login' | 'quit' | `copy-setup:${SetupTool}`;

export type SetupTool = (typeof SETUP_TOOLS)[number];

/** The agents `gatehouse setup` knows, as the tray names them. */
const TOOL_NAMES: Record<SetupTool, string> = { 'claude-code': 'Claude Code', codex: 'Codex CLI', cursor: 'Cursor', continue: 'Continue' };

export type TrayItem =
  | { type: 'label'; label: string }
  | { type: 'action'; label: string; action: TrayAction; enabled: boolean }
  | { type: 'checkbox'; label: string; action: TrayAction; checked: boolean }
  | { type: 'submenu'; label: string; items: TrayItem[] }
  | { type: 'separator' };

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  items: TrayItem[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The first line of the menu: is the gateway there for the agents, and if not, why. */
function headline(state: GatewayState): string {
  switch (state.kind) {
    case 'running':
      return state.owned ? `Gatehouse running on ${state.url}` : `Gatehouse running on ${state.url} (started outside the app, pid ${state.pid})`;
    case 'starting':
      return 'Gatehouse starting…';
    case 'paused':
      return 'Gatehouse paused: agents get no answer';
    case 'restarting':
      return `${state.reason}: restarting in ${Math.ceil(state.inMs / 1000)} s (attempt ${state.attempt})`;
    case 'failed':
      return state.reason;
    case 'stopped':
      return 'Gatehouse stopped';
  }
}

/** Whether the policy needs the developer's eye: a refused change or sync, or an org bundle past its expiry. */
function policyProblem(s: GatewaySnapshot, now: number): string | null {
  const p = s.policy;
  if (p.last_error) return `Policy change refused: ${p.last_error.message.split('\n')[0]}`;
  if (p.last_sync?.outcome === 'rejected') return `Org policy v${p.last_sync.version ?? '?'} rejected: ${p.last_sync.error ?? 'see the dashboard'}`;
  if (p.expires !== null && Date.parse(p.expires) < now) return `Policy v${p.version ?? '?'} expired on ${p.expires.slice(0, 10)}: sync to get a newer one`;
  return null;
}

function policyLine(s: GatewaySnapshot): string {
  const p = s.policy;
  const what = p.source === 'builtin' ? 'Policy: built-in (permissive)' : `Policy: ${p.org ?? 'local'}${p.version !== null ? ` v${p.version}` : ''} (${p.source})`;
  const sync = s.sync.enrollment === null ? 'not enrolled' : s.sync.last_sync === null ? 'not synced yet' : `last sync ${s.sync.last_sync.at.slice(0, 16).replace('T', ' ')} UTC, ${s.sync.last_sync.outcome}`;
  return `${what}; ${sync}`;
}

/**
 * The tray, from the lifecycle state and what the gateway last reported: status first, then the
 * one-click copies, the dashboard, what prod would block, the policy, pause and quit. Pure, so
 * every state is tested in Node; the adapter turns it into Electron's Tray and Menu.
 */
export function trayModel(state: GatewayState, snapshot: GatewaySnapshot | null, now: number, prefs: { openAtLogin?: boolean } = {}): TrayModel {
  const running = state.kind === 'running';
  const live = running ? snapshot : null;
  const problem = live ? policyProblem(live, now) : null;
  const icon: TrayIcon =
    state.kind === 'failed' || state.kind === 'restarting' ? 'error' : state.kind === 'paused' || state.kind === 'stopped' ? 'paused' : problem ? 'policy-warning' : 'running';

  const items: TrayItem[] = [{ type: 'label', label: headline(state) }];
  if (problem) items.push({ type: 'label', label: problem });
  items.push({ type: 'separator' });
  items.push({ type: 'action', label: running ? `Copy endpoint (${state.url}/v1)` : 'Copy endpoint', action: 'copy-endpoint', enabled: running });
  items.push({ type: 'action', label: 'Copy local token', action: 'copy-token', enabled: running });
  items.push({ type: 'action', label: 'Open dashboard', action: 'open-dashboard', enabled: running });
  if (live && live.shadowTier !== null) {
    const n = live.wouldBlockLastHour;
    items.push({ type: 'action', label: `${plural(n, 'request')} in the last hour would be blocked in ${live.shadowTier}`, action: 'open-preview', enabled: true });
  }
  if (live) items.push({ type: 'label', label: policyLine(live) });
  if (running) {
    // What `gatehouse setup <agent>` prints, with this gateway's port and token, for pasting into the agent's settings.
    items.push({
      type: 'submenu',
      label: 'Set up an agent',
      items: SETUP_TOOLS.map((tool) => ({ type: 'action', label: `Copy ${TOOL_NAMES[tool]} settings`, action: `copy-setup:${tool}`, enabled: true })),
    });
  }
  items.push({ type: 'separator' });
  if (running && !state.owned) items.push({ type: 'action', label: 'Pause (the gateway was started outside the app)', action: 'pause', enabled: false });
  else if (running || state.kind === 'starting' || state.kind === 'restarting') items.push({ type: 'action', label: 'Pause gateway', action: 'pause', enabled: true });
  else items.push({ type: 'action', label: 'Resume gateway', action: 'resume', enabled: true });
  if (prefs.openAtLogin !== undefined) items.push({ type: 'checkbox', label: 'Start at login', action: 'toggle-login', checked: prefs.openAtLogin });
  items.push({ type: 'action', label: 'Quit Gatehouse…', action: 'quit', enabled: true });

  const tooltip = problem ? `Gatehouse: ${problem}` : `Gatehouse: ${headline(state)}`;
  return { icon, tooltip, items };
}
