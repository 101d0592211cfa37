import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { z } from 'zod';
import { readRuntime, writePrivateJson, type HomePaths } from './home.js';

/**
 * One gateway per home. `gatehouse start` (the desktop app runs the same command) takes
 * `<home>/gateway.lock` before it opens the database and drops it when it exits; whoever comes
 * second finds the first through the lock and its health probe, instead of fighting over the
 * port and the database.
 */
const LockSchema = z.object({
  pid: z.number().int().positive(),
  /** When the OS booted, as the holder saw it: pids are reused after a reboot, so a lock from an earlier boot is stale whatever its pid. */
  boot_at: z.number(),
  started_at: z.iso.datetime(),
  /** Set once the holder begins to stop: the next start waits for it to exit instead of reporting it. */
  stopping: z.boolean().optional(),
});
export type HomeLockInfo = z.infer<typeof LockSchema>;

/** Who holds a home, as a second `gatehouse start` or the desktop app sees it. */
export type HomeOwner =
  /** Nobody: no lock, or one its holder left behind (dead pid, earlier boot). */
  | { kind: 'none' }
  /** The holder answers `/healthz` on the port its runtime file names, with its own pid. */
  | { kind: 'running'; pid: number; url: string }
  /** Alive, not answering yet, and still within the start grace. */
  | { kind: 'starting'; pid: number; since: string }
  /** Alive and stopping (open requests get their grace): it will be gone shortly. */
  | { kind: 'stopping'; pid: number }
  /** Alive, past the grace and not answering: hung, or its pid now belongs to another program. */
  | { kind: 'unresponsive'; pid: number; since: string };

export interface ProbeOptions {
  now?: () => number;
  /** How long a holder may take from taking the lock to answering its health probe (loading the policy, migrations). */
  graceMs?: number;
  /** How long one health probe waits for an answer. */
  timeoutMs?: number;
}

export const START_GRACE_MS = 60_000;
/** Clock adjustments move the computed boot time a little; a reboot moves it by at least the previous session. */
const BOOT_SLACK_MS = 60_000;

/** From the real clock, never an injected one: it is compared with what the holder read from the same OS. */
const bootAt = () => Date.now() - uptime() * 1000;

/** Whether a process with this pid exists: signal 0 checks without sending anything; a zombie (Linux) counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    // "pid (comm) S ...": the state follows the last ')', as comm may itself hold one.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function readLockRaw(paths: HomePaths): string | null {
  try {
    return readFileSync(paths.lock, 'utf8');
  } catch {
    return null;
  }
}

function parseLock(raw: string | null): HomeLockInfo | null {
  if (raw === null) return null;
  try {
    const parsed = LockSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The pid `/healthz` answers with, `undefined` for a gatehouse older than that field, `null` for no healthy answer. */
async function healthPid(url: string, timeoutMs: number): Promise<number | undefined | null> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const body = (await res.json()) as { ok?: unknown; pid?: unknown };
    if (body.ok !== true) return null;
    return typeof body.pid === 'number' ? body.pid : undefined;
  } catch {
    return null;
  }
}

/** Whether the gateway with this pid answers on the URL its runtime file names. */
async function answers(paths: HomePaths, pid: number, timeoutMs: number): Promise<string | null> {
  const runtime = readRuntime(paths);
  if (runtime === null || runtime.pid !== pid) return null;
  const answered = await healthPid(runtime.url, timeoutMs);
  return answered === pid || answered === undefined ? runtime.url : null;
}

async function judge(paths: HomePaths, raw: string | null, o: Required<ProbeOptions>): Promise<HomeOwner> {
  const lock = parseLock(raw);
  if (lock === null) {
    // No lock (or an unreadable one): a gatehouse from before the lock writes only its runtime file.
    const runtime = raw === null ? readRuntime(paths) : null;
    if (runtime !== null && processAlive(runtime.pid)) {
      const url = await answers(paths, runtime.pid, o.timeoutMs);
      if (url !== null) return { kind: 'running', pid: runtime.pid, url };
    }
    return { kind: 'none' };
  }
  const now = o.now();
  if (!processAlive(lock.pid) || Math.abs(lock.boot_at - bootAt()) > BOOT_SLACK_MS) return { kind: 'none' };
  const url = await answers(paths, lock.pid, o.timeoutMs);
  if (url !== null) return { kind: 'running', pid: lock.pid, url };
  if (lock.stopping) return { kind: 'stopping', pid: lock.pid };
  if (now - Date.parse(lock.started_at) < o.graceMs) return { kind: 'starting', pid: lock.pid, since: lock.started_at };
  return { kind: 'unresponsive', pid: lock.pid, since: lock.started_at };
}

const withDefaults = (o: ProbeOptions): Required<ProbeOptions> => ({ now: o.now ?? Date.now, graceMs: o.graceMs ?? START_GRACE_MS, timeoutMs: o.timeoutMs ?? 1500 });

/** Who holds the home: the lock, the holder's pid and its health probe. Reads only. */
export function probeHome(paths: HomePaths, opts: ProbeOptions = {}): Promise<HomeOwner> {
  return judge(paths, readLockRaw(paths), withDefaults(opts));
}

/** The lock this process holds; `release` runs at exit too, so only a SIGKILL or a power cut leaves it behind (and then it is stale). */
export interface HeldHomeLock {
  /** Says the holder is stopping, so a start that comes now waits for it instead of refusing. */
  markStopping(): void;
  release(): void;
}

/** Removes the stale lock judged from `raw`, and only that one: another start may have taken over in between. */
function removeStale(paths: HomePaths, raw: string | null): void {
  if (raw === null) return;
  const aside = `${paths.lock}.${process.pid}.stale`;
  try {
    renameSync(paths.lock, aside);
  } catch {
    return;
  }
  if (readFileSync(aside, 'utf8') !== raw) {
    // It was a fresh lock: put it back (link never replaces a lock someone took meanwhile).
    try {
      linkSync(aside, paths.lock);
    } catch {
      // someone else holds the home now; the next round finds them
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Takes the home's lock, or says who holds it. The lock is written whole to a private file and
 * linked into place, so it appears atomically and never half-written, and two starts racing for
 * it cannot both win.
 */
export async function acquireHomeLock(paths: HomePaths, opts: ProbeOptions = {}): Promise<{ held: HeldHomeLock } | { owner: Exclude<HomeOwner, { kind: 'none' }> }> {
  const o = withDefaults(opts);
  const info: HomeLockInfo = { pid: process.pid, boot_at: bootAt(), started_at: new Date(o.now()).toISOString() };
  const tmp = `${paths.lock}.${process.pid}.new`;
  for (let round = 0; ; round++) {
    writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
    try {
      linkSync(tmp, paths.lock);
      rmSync(tmp, { force: true });
      return { held: heldLock(paths, info) };
    } catch (err) {
      rmSync(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || round >= 4) throw err;
    }
    const raw = readLockRaw(paths);
    const owner = await judge(paths, raw, o);
    if (owner.kind !== 'none') return { owner };
    removeStale(paths, raw);
  }
}

function heldLock(paths: HomePaths, info: HomeLockInfo): HeldHomeLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (parseLock(readLockRaw(paths))?.pid === info.pid) rmSync(paths.lock, { force: true });
  };
  process.once('exit', release);
  return {
    markStopping() {
      if (!released) writePrivateJson(paths.lock, { ...info, stopping: true });
    },
    release() {
      process.removeListener('exit', release);
      release();
    },
  };
}

export interface ClaimOptions extends ProbeOptions {
  /** How long to wait for a holder that is starting (to report it running) or stopping (to take over once it is gone). */
  waitMs?: number;
  pollMs?: number;
  /** Told before each wait, so the CLI can say what it waits for. */
  onWait?: (owner: Extract<HomeOwner, { kind: 'starting' | 'stopping' }>) => void;
}

/** Takes the home's lock, waiting out a holder that is starting or stopping; else says who holds it. */
export async function claimHome(paths: HomePaths, opts: ClaimOptions = {}): Promise<{ held: HeldHomeLock } | { owner: Exclude<HomeOwner, { kind: 'none' }> }> {
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.waitMs ?? START_GRACE_MS);
  for (;;) {
    const r = await acquireHomeLock(paths, opts);
    if ('held' in r || (r.owner.kind !== 'starting' && r.owner.kind !== 'stopping') || now() > deadline) return r;
    opts.onWait?.(r.owner);
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 200));
  }
}

/** Who holds a home, as the sentences about it name it, and what to do about a running or starting one. */
export interface HomeHolder {
  /** The subject of a sentence: "Gatehouse", "A central replica". */
  name: string;
  /** What a stuck one is: "gatehouse", "replica". */
  stuck: string;
  running: string;
  starting: string;
}

/** The local gateway (`gatehouse start`, the desktop app's gateway). */
export const GATEWAY_HOLDER: HomeHolder = {
  name: 'Gatehouse',
  stuck: 'gatehouse',
  running: 'use that one (`gatehouse status`), stop it first (or quit the desktop app), or give this one another --home',
  starting: 'wait for it, or give this one another --home',
};

/** The one sentence a second start prints about the holder of its home. */
export function ownerSentence(paths: HomePaths, owner: Exclude<HomeOwner, { kind: 'none' }>, holder: HomeHolder = GATEWAY_HOLDER): string {
  switch (owner.kind) {
    case 'running':
      return `${holder.name} already runs for home ${paths.dir} on ${owner.url} (pid ${owner.pid}): ${holder.running}.`;
    case 'starting':
      return `${holder.name} is still starting for home ${paths.dir} (pid ${owner.pid}, since ${owner.since}): ${holder.starting}.`;
    case 'stopping':
      return `${holder.name} is still stopping for home ${paths.dir} (pid ${owner.pid}): start again once it has stopped.`;
    case 'unresponsive':
      return `Home ${paths.dir} is held by pid ${owner.pid} (since ${owner.since}), which does not answer: if it is a stuck ${holder.stuck}, stop it (kill ${owner.pid}); if that pid is another program, delete ${paths.lock}.`;
  }
}
