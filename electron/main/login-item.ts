import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Whether the app opens at login, as the OS holds it: the OS is the truth, since the developer may switch it off there. */
export interface LoginItem {
  enabled(): boolean;
  set(on: boolean): void;
}

/** What the login entry runs: the app, hidden (tray only), so the gateway is up before anything is opened. */
export interface LaunchCommand {
  exec: string;
  args: string[];
}

export const HIDDEN_ARG = '--hidden';

/**
 * The command that starts this app again. An AppImage runs from a mount that changes every run,
 * so its own file (`APPIMAGE`) is what to start; an app run from a checkout is the Electron
 * binary with the app's main script.
 */
export function launchCommand(o: { packaged: boolean; execPath: string; mainScript: string; env: NodeJS.ProcessEnv }): LaunchCommand {
  if (o.packaged) return { exec: o.env.APPIMAGE || o.execPath, args: [HIDDEN_ARG] };
  return { exec: o.execPath, args: [o.mainScript, HIDDEN_ARG] };
}

/** `$XDG_CONFIG_HOME/autostart/gatehouse.desktop`; a relative XDG_CONFIG_HOME is invalid by the spec and ignored. */
export function autostartFile(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const config = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(config, 'autostart', 'gatehouse.desktop');
}

/** The characters the Desktop Entry spec reserves in an Exec argument: such an argument is double-quoted. */
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument per the Desktop Entry spec: quoted when it holds a reserved character (with
 * `"`, `` ` ``, `$` and `\` backslash-escaped inside), `%` doubled (a lone one is a field code),
 * then the string-value escape doubles every backslash once more.
 */
export function execArg(arg: string): string {
  if (/[\n\r]/.test(arg)) throw new Error(`a login entry cannot run a path with a line break: ${JSON.stringify(arg)}`);
  const quoted = arg === '' || RESERVED.test(arg) ? `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"` : arg;
  return quoted.replace(/%/g, '%%').replace(/\\/g, '\\\\');
}

/** The autostart entry (freedesktop.org Desktop Entry, read at login by GNOME, KDE, Xfce and the rest). */
export function desktopEntry(cmd: LaunchCommand): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Gatehouse',
    'Comment=Runs the Gatehouse gateway for your agents from login (tray only)',
    `Exec=${[cmd.exec, ...cmd.args].map(execArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** A desktop's own switch (its Startup Applications tool) hides an entry rather than deleting it. */
function switchedOff(text: string): boolean {
  return text.split('\n').some((line) => /^\s*(Hidden\s*=\s*true|X-GNOME-Autostart-enabled\s*=\s*false)\s*$/.test(line));
}

/**
 * What `app.setLoginItemSettings` gets on macOS and Windows: the app starts hidden at login (tray
 * only), so the gateway is there for the agents before the developer opens anything.
 */
export function loginItemSettings(openAtLogin: boolean): { openAtLogin: boolean; openAsHidden: boolean; args: string[] } {
  return { openAtLogin, openAsHidden: true, args: [HIDDEN_ARG] };
}

/**
 * Start at login on Linux, where Electron has none: an XDG autostart file. Enabling writes it
 * (again, if the app moved since), disabling removes it.
 */
export function xdgLoginItem(file: string, cmd: LaunchCommand): LoginItem {
  const read = () => (existsSync(file) ? readFileSync(file, 'utf8') : null);
  return {
    enabled() {
      const text = read();
      return text !== null && !switchedOff(text);
    },
    set(on) {
      if (!on) {
        rmSync(file, { force: true });
        return;
      }
      const entry = desktopEntry(cmd);
      if (read() === entry) return;
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, entry, { mode: 0o644 });
    },
  };
}

/**
 * The choice at start: the first run of a packaged app turns it on (the gateway should be there
 * from login); a run from a checkout changes nothing (no login entry pointing into a work tree
 * unasked, and none removed that an installed app wrote). After that the OS holds it, and an
 * enabled entry is rewritten if the app moved.
 */
export function settleLoginItem(item: LoginItem, chosen: boolean | undefined, packaged: boolean): boolean {
  if (chosen === undefined && packaged) {
    item.set(true);
    return true;
  }
  const on = item.enabled();
  if (on && chosen !== undefined) item.set(true);
  return on;
}
