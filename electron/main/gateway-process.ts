import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayProcess } from './lifecycle.js';

/** The CLI's compiled entry, seen from the bundled main (dist/electron/main): the app starts the gateway exactly as `gatehouse start` does. */
export const CLI_ENTRY = fileURLToPath(new URL('../../local-gateway/cli/main.js', import.meta.url));

export interface GatewayCommand {
  /** The Node to run it with: `node` in a checkout; the app's own binary as Node when packaged. */
  execPath: string;
  entry: string;
  home: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

/**
 * Which Node runs the gateway. In a checkout the native modules are built for the system Node,
 * so that one runs it (npm names it in npm_node_execpath); a packaged app has no other Node, and
 * electron-builder rebuilt better-sqlite3 for Electron's, so Electron runs it as plain Node.
 */
export function gatewayCommand(o: { packaged: boolean; appExecPath: string; entry: string; home: string; port: number; env: NodeJS.ProcessEnv }): GatewayCommand {
  if (o.packaged) return { execPath: o.appExecPath, entry: o.entry, home: o.home, port: o.port, env: { ...o.env, ELECTRON_RUN_AS_NODE: '1' } };
  const env = { ...o.env };
  delete env.ELECTRON_RUN_AS_NODE;
  return { execPath: o.env.npm_node_execpath || 'node', entry: o.entry, home: o.home, port: o.port, env };
}

/**
 * Spawns the gateway detached, its output in `<home>/gateway.log`: no pipe ties it to the app,
 * so it can outlive a Quit that keeps it running, and closing the window never touches it.
 */
export function spawnGateway(cmd: GatewayCommand): GatewayProcess {
  const log = openSync(join(cmd.home, 'gateway.log'), 'a', 0o600);
  const child = spawn(cmd.execPath, [cmd.entry, 'start', '--home', cmd.home, '--port', String(cmd.port)], {
    env: cmd.env,
    detached: true,
    stdio: ['ignore', log, log],
    windowsHide: true,
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not run ${cmd.execPath}`);
  const pid = child.pid;
  let exited: [number | null, string | null] | null = null;
  const waiting: Array<(code: number | null, signal: string | null) => void> = [];
  child.on('exit', (code, signal) => {
    exited = [code, signal];
    for (const cb of waiting.splice(0)) cb(code, signal);
  });
  child.on('error', () => {
    // A spawn error is followed by 'exit' (or never had a pid, refused above).
  });
  return {
    pid,
    onExit(cb) {
      if (exited) cb(...exited);
      else waiting.push(cb);
    },
    stop() {
      if (exited === null) child.kill('SIGTERM');
    },
    detach() {
      child.unref();
    },
  };
}
