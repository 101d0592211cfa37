import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { homePaths, readRuntime } from '../../local-gateway/core/home.js';
import { spawnGateway as spawnTerminalGateway } from '../../test/helpers/cli.js';
import { waitFor } from '../../test/helpers/gateway.js';
import { findHomeOwner, type HomeOwner } from './attach.js';
import { gatewayCommand, spawnGateway } from './gateway-process.js';
import { createLifecycle, type GatewayState, type LifecycleOptions } from './lifecycle.js';

/** The compiled CLI (test/global-setup.ts builds it): the same entry `gatehouse start` runs. */
const ENTRY = fileURLToPath(new URL('../../dist/local-gateway/cli/main.js', import.meta.url));
const ENV = { ...process.env, GATEHOUSE_KEYCHAIN: 'off', GATEHOUSE_TOKEN: 'gh_local_lifecycle_test', npm_node_execpath: process.execPath };

const homes: string[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

function setup(over: Partial<LifecycleOptions> & { entry?: string; home?: string } = {}) {
  const home = over.home ?? mkdtempSync(join(tmpdir(), 'gatehouse-app-'));
  homes.push(home);
  const states: GatewayState[] = [];
  const children: ReturnType<typeof spawnGateway>[] = [];
  const lifecycle = createLifecycle({
    home,
    find: (h) => findHomeOwner(h),
    spawn: () => {
      const p = spawnGateway(gatewayCommand({ packaged: false, appExecPath: '/nonexistent/electron', entry: over.entry ?? ENTRY, home, port: 0, env: ENV }));
      children.push(p);
      pids.push(p.pid);
      return p;
    },
    onChange: (s) => states.push(s),
    backoffMs: [20],
    monitorMs: 50,
    pollMs: 20,
    ...over,
  });
  return { home, lifecycle, states, children, spawns: () => children.length };
}

/** A live process that is not a gateway, holding `home`'s lock as a `gatehouse start` does from before it listens. */
async function lockHolder(home: string, startedAt = new Date()) {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await new Promise((r) => c.once('spawn', r));
  pids.push(c.pid!);
  writeFileSync(join(home, 'gateway.lock'), JSON.stringify({ pid: c.pid, boot_at: Date.now() - uptime() * 1000, started_at: startedAt.toISOString() }));
  return c;
}

const running = (s: GatewayState) => (s.kind === 'running' ? s : null);
/** The gateway the app started itself, once it runs. */
const ownGateway = (lifecycle: { state: GatewayState }) =>
  waitFor(() => {
    const s = running(lifecycle.state);
    return s?.owned ? s : null;
  }, 'the app to start its own gateway', 15_000);
const healthy = async (url: string) => (await fetch(`${url}/healthz`).catch(() => null))?.ok === true;

describe('gateway lifecycle', () => {
  it('starts the gateway when none runs for the home, from the CLI entry, and finds it through the runtime file', async () => {
    const { home, lifecycle, states } = setup();
    await lifecycle.start();
    const s = await waitFor(() => running(lifecycle.state), 'the gateway to run', 15_000);
    expect(s.owned).toBe(true);
    expect(await healthy(s.url)).toBe(true);
    expect(readRuntime(homePaths(home))?.pid).toBe(s.pid);
    expect(states.map((x) => x.kind)).toEqual(['starting', 'running']);
  });

  it('restarts a crashed gateway after the backoff, and says why', async () => {
    const { lifecycle, states } = setup();
    await lifecycle.start();
    const first = await waitFor(() => running(lifecycle.state), 'the gateway to run', 15_000);
    process.kill(first.pid, 'SIGKILL');
    const second = await waitFor(() => {
      const s = running(lifecycle.state);
      return s && s.pid !== first.pid ? s : null;
    }, 'the restarted gateway', 15_000);
    expect(await healthy(second.url)).toBe(true);
    expect(states.find((s) => s.kind === 'restarting')).toEqual({ kind: 'restarting', attempt: 1, inMs: 20, reason: 'The gateway was killed by SIGKILL' });
  });

  it('gives up after too many crashes in a row and says where the log is; Resume tries again', async () => {
    const { home, lifecycle, states } = setup({ entry: join(tmpdir(), 'no-such-gatehouse-entry.js'), maxRestarts: 2 });
    await lifecycle.start();
    const failed = await waitFor(() => (lifecycle.state.kind === 'failed' ? lifecycle.state : null), 'the lifecycle to give up', 15_000);
    expect(failed.reason).toBe(`The gateway exited with code 1, 3 times in a row: see ${home}/gateway.log, then choose Resume.`);
    expect(states.filter((s) => s.kind === 'restarting').map((s) => (s.kind === 'restarting' ? s.attempt : 0))).toEqual([1, 2]);
    await lifecycle.resume();
    await waitFor(() => states.filter((s) => s.kind === 'failed').length === 2, 'the second give-up', 15_000);
  });

  it('pause stops the gateway it started (no restart); resume starts it again', async () => {
    const { home, lifecycle } = setup();
    await lifecycle.start();
    const s = await waitFor(() => running(lifecycle.state), 'the gateway to run', 15_000);
    expect(await lifecycle.pause()).toBe(true);
    expect(lifecycle.state.kind).toBe('paused');
    expect(await healthy(s.url)).toBe(false);
    // `gatehouse start` removes its runtime file on a clean stop.
    expect(readRuntime(homePaths(home))).toBeNull();
    await lifecycle.resume();
    expect((await waitFor(() => running(lifecycle.state), 'the resumed gateway', 15_000)).owned).toBe(true);
  });

  it('attaches to a gateway a terminal started for the same home, never starting a second; pause leaves it alone', async () => {
    const { home, lifecycle, spawns } = setup();
    const terminal = await spawnTerminalGateway(['--home', home], { GATEHOUSE_TOKEN: ENV.GATEHOUSE_TOKEN });
    pids.push(terminal.child.pid!);
    await lifecycle.start();
    expect(lifecycle.state).toEqual({ kind: 'running', url: terminal.url, pid: terminal.child.pid, owned: false });
    expect(spawns()).toBe(0);
    expect(await lifecycle.pause()).toBe(false);
    expect(await healthy(terminal.url)).toBe(true);
    // The terminal's gateway stops: the app runs its own, so the agents keep a gateway.
    terminal.child.kill('SIGTERM');
    const own = await ownGateway(lifecycle);
    expect(spawns()).toBe(1);
    expect(await healthy(own.url)).toBe(true);
  });

  it('a stale runtime file (its pid gone) is not attached to', async () => {
    const { home, lifecycle, spawns } = setup();
    const terminal = await spawnTerminalGateway(['--home', home], { GATEHOUSE_TOKEN: ENV.GATEHOUSE_TOKEN });
    terminal.child.kill('SIGKILL');
    await new Promise((r) => terminal.child.once('exit', r));
    expect(readRuntime(homePaths(home))).not.toBeNull();
    await lifecycle.start();
    const s = await waitFor(() => running(lifecycle.state), 'the gateway to run', 15_000);
    expect(s.owned).toBe(true);
    expect(spawns()).toBe(1);
  });

  it('quit keeping the gateway leaves it serving for the agents, and the next app attaches to it without owning it', async () => {
    const { home, lifecycle } = setup();
    await lifecycle.start();
    const s = await waitFor(() => running(lifecycle.state), 'the gateway to run', 15_000);
    await lifecycle.quit(true);
    expect(lifecycle.state.kind).toBe('stopped');
    expect(await healthy(s.url)).toBe(true);

    const next = createLifecycle({ home, find: findHomeOwner, spawn: () => { throw new Error('must attach, not spawn'); }, onChange: () => {} });
    await next.start();
    expect(next.state).toEqual({ kind: 'running', url: s.url, pid: s.pid, owned: false });
    await next.quit(false);
    // Not the second app's to stop: it was attached.
    expect(await healthy(s.url)).toBe(true);
  });

  it('quit stopping the gateway stops it', async () => {
    const { lifecycle } = setup();
    await lifecycle.start();
    const s = await waitFor(() => running(lifecycle.state), 'the gateway to run', 15_000);
    await lifecycle.quit(false);
    expect(await healthy(s.url)).toBe(false);
    expect(() => process.kill(s.pid, 0)).toThrow();
  });

  it('a gateway of the home that is still starting is waited for, never raced; once its holder is gone the app runs its own', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-app-'));
    const holder = await lockHolder(home);
    let looks = 0;
    const { lifecycle, spawns } = setup({ home, find: (h) => (looks++, findHomeOwner(h)) });
    await lifecycle.start();
    await waitFor(() => looks >= 3, 'the app to look at the home again');
    expect(lifecycle.state.kind).toBe('starting');
    expect(spawns()).toBe(0);
    holder.kill('SIGKILL');
    const own = await ownGateway(lifecycle);
    expect(spawns()).toBe(1);
    expect(await healthy(own.url)).toBe(true);
  });

  it('a holder of the home that never answers is reported (not raced): pid, lock file, and what to do', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-app-'));
    const since = new Date(Date.now() - 120_000);
    const holder = await lockHolder(home, since);
    const { lifecycle, spawns } = setup({ home });
    await lifecycle.start();
    const failed = await waitFor(() => (lifecycle.state.kind === 'failed' ? lifecycle.state : null), 'the app to report the holder');
    expect(failed.reason).toBe(
      `Pid ${holder.pid} holds ${home} (since ${since.toISOString()}) but does not answer: stop it if it is a stuck gatehouse, or delete ${home}/gateway.lock if that pid is another program; then choose Resume.`,
    );
    expect(spawns()).toBe(0);
  });

  it('when a terminal\'s gateway wins the home after the app looked, the app\'s own is refused and the app attaches: no crash, no restart', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-app-'));
    const terminal = await spawnTerminalGateway(['--home', home], { GATEHOUSE_TOKEN: ENV.GATEHOUSE_TOKEN });
    pids.push(terminal.child.pid!);
    // The app's first look happened just before the terminal took the lock.
    let looks = 0;
    const find = (h: string): Promise<HomeOwner> => (looks++ === 0 ? Promise.resolve({ kind: 'none' }) : findHomeOwner(h));
    const { lifecycle, states, children } = setup({ home, find });
    await lifecycle.start();
    const s = await waitFor(() => running(lifecycle.state), 'the app to attach', 15_000);
    expect(s).toEqual({ kind: 'running', url: terminal.url, pid: terminal.child.pid, owned: false });
    expect(children).toHaveLength(1);
    const refused = await new Promise<number | null>((r) => children[0]!.onExit((code) => r(code)));
    expect(refused).toBe(1);
    expect(states.filter((x) => x.kind === 'restarting' || x.kind === 'failed')).toEqual([]);
    expect(lifecycle.state).toEqual(s);
  });
});
