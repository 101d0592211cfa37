/**
 * Child processes for the bench: each server under test runs in its own process so its
 * CPU and memory are its own. Every child is registered so `stopAll` can end it even when
 * the bench fails half-way.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Last few KB of stderr, for error messages. */
  stderrTail(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

const children = new Set<Child>();
const TAIL_BYTES = 4096;

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve once a stdout line matches; the match's first group is returned. */
  ready: RegExp;
  timeoutMs?: number;
}

/** Spawns `node ...args` and waits for its ready line on stdout. */
export async function startChild(name: string, args: string[], opts: SpawnOptions): Promise<{ child: Child; match: string }> {
  const proc = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  proc.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-TAIL_BYTES);
  });
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn node`);
  const child: Child = { name, proc, pid: proc.pid, stderrTail: () => tail, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  const match = await waitForLine(child, opts.ready, opts.timeoutMs ?? 15_000);
  return { child, match };
}

/**
 * Scans stdout for the ready line. stdout keeps being read afterwards (and discarded) so a
 * child that logs every request never blocks on a full pipe.
 */
function waitForLine(child: Child, ready: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let done = false;
    const finish = (err: Error | null, value = ''): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`${child.name}: not ready after ${timeoutMs} ms\n${child.stderrTail()}`)), timeoutMs);
    child.proc.stdout?.on('data', (d: Buffer) => {
      if (done) return;
      buffer += d.toString();
      const m = ready.exec(buffer);
      if (m) finish(null, m[1] ?? m[0]);
      else buffer = buffer.slice(-TAIL_BYTES);
    });
    void child.exited.then((code) => finish(new Error(`${child.name} exited (${code}) before it was ready\n${child.stderrTail()}`)));
  });
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export async function stopChild(child: Child, graceMs = 5000): Promise<{ code: number | string; killed: boolean }> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return { code: await child.exited, killed: false };
  child.proc.kill('SIGTERM');
  const code = await Promise.race([child.exited, sleep(graceMs).then(() => null)]);
  if (code !== null) return { code, killed: false };
  child.proc.kill('SIGKILL');
  return { code: await child.exited, killed: true };
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, 3000)));
}

/** A port that was free a moment ago (the child binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU a process has used so far, user + system, in µs (Linux; 10 ms resolution): all its
 * threads, or with `thread` one of them (its main thread's id is the pid).
 */
export function cpuMicros(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ;
}

/**
 * CPU each thread of a process has used so far (user + system, µs, Linux, 10 ms resolution),
 * keyed by thread id, with the thread's name (`comm`: `node` unless the thread named itself).
 */
export function threadCpuMicros(pid: number): Map<number, { name: string; micros: number }> {
  const out = new Map<number, { name: string; micros: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), { name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), micros: cpuMicros(pid, Number(tid)) });
    } catch {
      // The thread ended between the listing and the read: its time is lost to every figure alike.
    }
  }
  return out;
}

/** Polls `url` until it answers 200. */
export async function waitHealthy(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Runs a bench's main and exits with its code; a failure is printed and every child still
 * running is stopped first, so a failed bench leaves no server behind.
 */
export function runBench(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    async (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      await stopAll();
      process.exit(1);
    },
  );
}
