import type { HomeOwner } from './attach.js';

/** A gateway process the app started; the adapter wraps a child process (see gateway-process.ts). */
export interface GatewayProcess {
  readonly pid: number;
  /** Called once when the process ends, whoever ended it. */
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  /** Asks it to stop (SIGTERM: open requests get their grace, as at Ctrl-C). */
  stop(): void;
  /** Lets it outlive the app: the agents keep their gateway after Quit. */
  detach(): void;
}

export type GatewayState =
  | { kind: 'starting' }
  /** `owned`: the app started it (pause and quit may stop it); else it was found running (a terminal's `gatehouse start`). */
  | { kind: 'running'; url: string; pid: number; owned: boolean }
  | { kind: 'paused' }
  | { kind: 'restarting'; attempt: number; inMs: number; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'stopped' };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LifecycleOptions {
  home: string;
  /** Who holds the home (attach.ts: the home lock + health probe, as `gatehouse start` judges it). */
  find(home: string): Promise<HomeOwner>;
  /** Starts `gatehouse start` for the home, from the same entry as the CLI. */
  spawn(): GatewayProcess;
  onChange(state: GatewayState): void;
  now?: () => number;
  timers?: Timers;
  /** Waits before each restart after a crash; the last repeats. */
  backoffMs?: readonly number[];
  /** Crashes in a row (each within `stableMs` of its start) before giving up. */
  maxRestarts?: number;
  /** A run this long counts as healthy: the next crash starts the backoff again. */
  stableMs?: number;
  /** How long a spawned gateway gets to answer its health probe. */
  readyTimeoutMs?: number;
  /** How often the health of an attached gateway (one the app did not start) is checked. */
  monitorMs?: number;
  pollMs?: number;
}

export const DEFAULT_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const;

export interface Lifecycle {
  readonly state: GatewayState;
  /** Attaches to the home's running gateway, else starts one. */
  start(): Promise<void>;
  /** Stops the gateway the app started; one found running is not the app's to stop (false). */
  pause(): Promise<boolean>;
  resume(): Promise<void>;
  /** The app quits: stop the gateway it started, or leave it running for the agents. */
  quit(keepRunning: boolean): Promise<void>;
}

const exitText = (code: number | null, signal: string | null) => (signal ? `was killed by ${signal}` : `exited with code ${code}`);

/**
 * The gateway's lifecycle as the tray app runs it: attach or spawn, watch, restart with backoff
 * on a crash, pause, and quit with or without it. No Electron here: the adapter gives it a
 * spawn function and shows the states it reports.
 */
export function createLifecycle(opts: LifecycleOptions): Lifecycle {
  const now = opts.now ?? Date.now;
  const timers: Timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  const backoff = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
  const maxRestarts = opts.maxRestarts ?? 8;
  const stableMs = opts.stableMs ?? 60_000;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  const monitorMs = opts.monitorMs ?? 5_000;
  const pollMs = opts.pollMs ?? 100;

  let state: GatewayState = { kind: 'stopped' };
  let child: GatewayProcess | null = null;
  let startedAt = 0;
  let crashes = 0;
  let timer: unknown = null;
  /** Set while the app itself stops its gateway: that exit is no crash. */
  let stopping: (() => void) | null = null;
  let quitting = false;
  /** Bumped by pause, resume and quit: an answer to a look taken before one of them is stale. */
  let generation = 0;

  const set = (next: GatewayState) => {
    state = next;
    opts.onChange(next);
  };
  const schedule = (fn: () => void, ms: number) => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = timers.setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  const cancel = () => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };

  async function start(): Promise<void> {
    if (quitting || state.kind === 'starting' || state.kind === 'running') return;
    cancel();
    set({ kind: 'starting' });
    const epoch = generation;
    const owner = await opts.find(opts.home);
    if (epoch !== generation) return;
    follow(owner);
  }

  /** Acts on who holds the home: attach to a gateway that answers, wait for one starting or stopping, else run our own. */
  function follow(owner: HomeOwner): void {
    switch (owner.kind) {
      case 'running':
        set({ kind: 'running', url: owner.url, pid: owner.pid, owned: false });
        schedule(() => void monitor(), monitorMs);
        return;
      case 'starting':
      case 'stopping':
        // Another `gatehouse start` holds the home and is on its way up (or out): look again shortly.
        if (state.kind !== 'starting') set({ kind: 'starting' });
        schedule(() => void lookAgain(), pollMs);
        return;
      case 'unresponsive':
        set({
          kind: 'failed',
          reason: `Pid ${owner.pid} holds ${opts.home} (since ${owner.since}) but does not answer: stop it if it is a stuck gatehouse, or delete ${opts.home}/gateway.lock if that pid is another program; then choose Resume.`,
        });
        return;
      case 'none':
        if (state.kind !== 'starting') set({ kind: 'starting' });
        spawnOne();
    }
  }

  async function lookAgain(): Promise<void> {
    const epoch = generation;
    const owner = await opts.find(opts.home);
    if (epoch === generation && state.kind === 'starting' && child === null) follow(owner);
  }

  function spawnOne(): void {
    let proc: GatewayProcess;
    try {
      proc = opts.spawn();
    } catch (err) {
      set({ kind: 'failed', reason: `The gateway could not be started: ${(err as Error).message}` });
      return;
    }
    child = proc;
    startedAt = now();
    proc.onExit((code, signal) => onExit(proc, code, signal));
    const deadline = now() + readyTimeoutMs;
    const poll = async () => {
      if (child !== proc || state.kind !== 'starting') return;
      const owner = await opts.find(opts.home);
      if (child !== proc || state.kind !== 'starting') return;
      if (owner.kind === 'running' && owner.pid === proc.pid) {
        set({ kind: 'running', url: owner.url, pid: proc.pid, owned: true });
        return;
      }
      if (owner.kind === 'running') {
        // A terminal's `gatehouse start` won the home: ours exits on its own (the lock refuses it), and that is no crash.
        child = null;
        follow(owner);
        return;
      }
      if (now() > deadline) {
        // Started but never answered: stop it, and let its exit take the crash path.
        proc.stop();
        return;
      }
      schedule(() => void poll(), pollMs);
    };
    void poll();
  }

  function onExit(proc: GatewayProcess, code: number | null, signal: string | null): void {
    if (child !== proc) return;
    child = null;
    if (stopping) {
      const done = stopping;
      stopping = null;
      done();
      return;
    }
    if (quitting) return;
    void afterExit(code, signal);
  }

  async function afterExit(code: number | null, signal: string | null): Promise<void> {
    const epoch = generation;
    // Refused because someone else took the home first (a terminal's start racing the app's): follow them instead.
    const owner = await opts.find(opts.home);
    if (epoch !== generation || child !== null) return;
    if (owner.kind !== 'none') {
      follow(owner);
      return;
    }
    crashes = now() - startedAt >= stableMs ? 1 : crashes + 1;
    const reason = `The gateway ${exitText(code, signal)}`;
    if (crashes > maxRestarts) {
      set({ kind: 'failed', reason: `${reason}, ${crashes} times in a row: see ${opts.home}/gateway.log, then choose Resume.` });
      return;
    }
    const inMs = backoff[Math.min(crashes - 1, backoff.length - 1)] ?? 0;
    set({ kind: 'restarting', attempt: crashes, inMs, reason });
    schedule(() => {
      state = { kind: 'stopped' };
      void start();
    }, inMs);
  }

  /** An attached gateway is not our child: no exit event, so its health is polled; when it is gone, the app runs its own. */
  async function monitor(): Promise<void> {
    if (state.kind !== 'running' || state.owned) return;
    const pid = state.pid;
    const owner = await opts.find(opts.home);
    if (state.kind !== 'running' || state.owned || state.pid !== pid) return;
    if (owner.kind === 'running' && owner.pid === pid) {
      schedule(() => void monitor(), monitorMs);
      return;
    }
    state = { kind: 'stopped' };
    follow(owner);
  }

  function stopChild(): Promise<void> {
    const proc = child;
    if (proc === null) return Promise.resolve();
    return new Promise((resolve) => {
      stopping = resolve;
      proc.stop();
    });
  }

  return {
    get state() {
      return state;
    },
    start,
    async pause() {
      if (state.kind === 'running' && !state.owned) return false;
      generation++;
      cancel();
      await stopChild();
      set({ kind: 'paused' });
      return true;
    },
    async resume() {
      generation++;
      crashes = 0;
      if (state.kind === 'paused' || state.kind === 'failed' || state.kind === 'stopped') state = { kind: 'stopped' };
      await start();
    },
    async quit(keepRunning) {
      quitting = true;
      generation++;
      cancel();
      if (keepRunning) child?.detach();
      else await stopChild();
      child = null;
      set({ kind: 'stopped' });
    },
  };
}
