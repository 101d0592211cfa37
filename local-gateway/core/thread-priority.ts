import { readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * The nice value a background thread runs at: the kernel then gives a request thread that
 * wants the core about ten times its share (CFS weights 1024 against 110), and the
 * background thread still has every idle moment.
 */
const BACKGROUND_NICE = 10;

/**
 * Lowers the calling thread's CPU priority, on Linux: work that can wait (indexing journaled
 * traces into SQLite) then takes the cores when the request thread, the agent and the
 * provider leave them, instead of competing with them on a small machine. Linux schedules
 * threads one by one and `setpriority` of a thread id changes that thread alone; elsewhere
 * (macOS, Windows) the same call would lower the whole process, so it is left alone there.
 * Returns whether the priority was changed.
 */
export function runAsBackground(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // `/proc/thread-self` links to `/proc/<pid>/task/<tid>`: the calling thread's own id.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, BACKGROUND_NICE);
    return true;
  } catch {
    // No /proc (a sandbox) or not allowed: the thread keeps its priority, nothing else changes.
    return false;
  }
}

/**
 * Names the calling thread (Linux, at most 15 bytes): `top -H`, `ps -L` and the bench
 * (bench/telemetry.ts reads each thread's CPU time by name) then tell the gateway's threads
 * apart, which otherwise all show as `node`. A thread may rename itself only; where that is
 * refused nothing else changes.
 */
export function nameThread(name: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
    return true;
  } catch {
    return false;
  }
}
