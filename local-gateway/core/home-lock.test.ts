import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureHome, writeRuntime, type HomePaths } from './home.js';
import { acquireHomeLock, claimHome, ownerSentence, probeHome, processAlive, type HomeLockInfo } from './home-lock.js';

const homes: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

const home = (): HomePaths => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-lock-'));
  homes.push(dir);
  return ensureHome(dir);
};

/** A live process that is not a gateway: it answers no health probe. */
async function sleeper(): Promise<ChildProcess & { pid: number }> {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  children.push(c);
  await new Promise((r) => c.once('spawn', r));
  return c as ChildProcess & { pid: number };
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

const bootAt = () => Date.now() - uptime() * 1000;
const writeLock = (paths: HomePaths, info: Partial<HomeLockInfo> & { pid: number }) =>
  writeFileSync(paths.lock, JSON.stringify({ boot_at: bootAt(), started_at: new Date().toISOString(), ...info }));
const lockPid = (paths: HomePaths) => (JSON.parse(readFileSync(paths.lock, 'utf8')) as HomeLockInfo).pid;

describe('the home lock', () => {
  it('is taken on a free home and released, leaving nothing behind', async () => {
    const paths = home();
    expect(await probeHome(paths)).toEqual({ kind: 'none' });
    const r = await acquireHomeLock(paths);
    if (!('held' in r)) throw new Error('expected the lock');
    expect(lockPid(paths)).toBe(process.pid);
    r.held.release();
    expect(existsSync(paths.lock)).toBe(false);
  });

  it('a holder that does not answer yet is starting within the grace, and unresponsive after it', async () => {
    const paths = home();
    const s = await sleeper();
    writeLock(paths, { pid: s.pid });
    const r = await acquireHomeLock(paths);
    expect(r).toMatchObject({ owner: { kind: 'starting', pid: s.pid } });
    const later = Date.now() + 120_000;
    const owner = await probeHome(paths, { now: () => later });
    expect(owner).toMatchObject({ kind: 'unresponsive', pid: s.pid });
    if (owner.kind !== 'unresponsive') throw new Error('unreachable');
    // Never taken over while the pid lives: two gateways on one database is the thing the lock prevents.
    expect(await acquireHomeLock(paths, { now: () => later })).toMatchObject({ owner: { kind: 'unresponsive' } });
    expect(lockPid(paths)).toBe(s.pid);
    expect(ownerSentence(paths, owner)).toBe(
      `Home ${paths.dir} is held by pid ${s.pid} (since ${owner.since}), which does not answer: if it is a stuck gatehouse, stop it (kill ${s.pid}); if that pid is another program, delete ${paths.lock}.`,
    );
  });

  it('takes over a lock whose pid is gone', async () => {
    const paths = home();
    const dead = await deadPid();
    expect(processAlive(dead)).toBe(false);
    writeLock(paths, { pid: dead });
    const r = await acquireHomeLock(paths);
    expect('held' in r).toBe(true);
    expect(lockPid(paths)).toBe(process.pid);
  });

  it('takes over a lock from an earlier boot even when its pid now names a live process', async () => {
    const paths = home();
    const s = await sleeper();
    writeLock(paths, { pid: s.pid, boot_at: bootAt() - 3_600_000 });
    expect('held' in (await acquireHomeLock(paths))).toBe(true);
    expect(lockPid(paths)).toBe(process.pid);
  });

  it('takes over a lock file that is not a lock (hand-edited, truncated)', async () => {
    const paths = home();
    writeFileSync(paths.lock, '{"pid": ');
    expect('held' in (await acquireHomeLock(paths))).toBe(true);
  });

  it('a holder that answers its health probe with its own pid is running', async () => {
    const paths = home();
    const { createServer } = await import('node:http');
    const s = await sleeper();
    // Answers for the sleeper as its gateway would; then for someone else, as another program on that port might.
    let answerPid = s.pid;
    const server = createServer((_req, res) => res.end(JSON.stringify({ ok: true, pid: answerPid })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      writeLock(paths, { pid: s.pid });
      writeRuntime(paths, { pid: s.pid, port, url: `http://127.0.0.1:${port}`, started_at: new Date().toISOString() });
      const r = await acquireHomeLock(paths);
      expect(r).toEqual({ owner: { kind: 'running', pid: s.pid, url: `http://127.0.0.1:${port}` } });
      if (!('owner' in r)) throw new Error('unreachable');
      expect(ownerSentence(paths, r.owner)).toContain(`already runs for home ${paths.dir} on http://127.0.0.1:${port} (pid ${s.pid})`);
      answerPid = process.pid;
      expect(await probeHome(paths)).toMatchObject({ kind: 'starting', pid: s.pid });
    } finally {
      server.close();
    }
  });

  it('a gatehouse from before the lock is found through its runtime file alone', async () => {
    const paths = home();
    const { createServer } = await import('node:http');
    const s = await sleeper();
    // Older gateways answer /healthz without a pid.
    const server = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      writeRuntime(paths, { pid: s.pid, port, url: `http://127.0.0.1:${port}`, started_at: new Date().toISOString() });
      expect(await probeHome(paths)).toEqual({ kind: 'running', pid: s.pid, url: `http://127.0.0.1:${port}` });
      s.kill('SIGKILL');
      await new Promise((r) => s.once('exit', r));
      expect(await probeHome(paths)).toEqual({ kind: 'none' });
    } finally {
      server.close();
    }
  });

  it('waits out a holder that is stopping, then takes the home', async () => {
    const paths = home();
    const s = await sleeper();
    writeLock(paths, { pid: s.pid, stopping: true });
    expect(await probeHome(paths)).toEqual({ kind: 'stopping', pid: s.pid });
    const waits: string[] = [];
    let killed = false;
    const r = await claimHome(paths, {
      waitMs: 60_000,
      pollMs: 20,
      onWait: (owner) => {
        waits.push(`${owner.kind} ${owner.pid}`);
        // The holder goes only once the claim has found it stopping and waited a round.
        if (waits.length === 2 && !killed) {
          killed = true;
          s.kill('SIGKILL');
        }
      },
    });
    expect(waits.slice(0, 2)).toEqual([`stopping ${s.pid}`, `stopping ${s.pid}`]);
    expect('held' in r).toBe(true);
    expect(lockPid(paths)).toBe(process.pid);
  });

  it('reports a holder still stopping once the wait is over', async () => {
    const paths = home();
    const s = await sleeper();
    writeLock(paths, { pid: s.pid, stopping: true });
    expect(await claimHome(paths, { waitMs: 0 })).toEqual({ owner: { kind: 'stopping', pid: s.pid } });
  });
});
