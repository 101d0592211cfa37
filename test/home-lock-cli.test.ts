import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { homePaths } from '../local-gateway/core/home.js';
import { BIN, runCliAsync, spawnGateway, type RunningGateway } from './helpers/cli.js';

/** Real `gatehouse start` processes on one home: one serves, the others say where it runs. */
const running: RunningGateway[] = [];
const homes: string[] = [];
afterEach(() => {
  for (const g of running.splice(0)) if (g.child.exitCode === null) g.child.kill('SIGKILL');
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

const newHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'gatehouse-lock-cli-'));
  homes.push(h);
  return h;
};
const lockPid = (home: string) => (JSON.parse(readFileSync(homePaths(home).lock, 'utf8')) as { pid: number }).pid;
const healthPid = async (url: string) => ((await (await fetch(`${url}/healthz`)).json()) as { pid: number }).pid;

describe('one gateway per home', () => {
  it('a second `gatehouse start` on the same home says where the first runs and exits 1; the first keeps serving', async () => {
    const home = newHome();
    const first = await spawnGateway(['--home', home]);
    running.push(first);
    const pid = first.child.pid!;
    expect(lockPid(home)).toBe(pid);
    expect(await healthPid(first.url)).toBe(pid);

    // Even on another port: the home (its database) is what the two would fight over.
    const second = await runCliAsync(['start', '--home', home, '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `Gatehouse already runs for home ${home} on ${first.url} (pid ${pid}): use that one (\`gatehouse status\`), stop it first (or quit the desktop app), or give this one another --home.\n`,
    );
    expect(second.stdout).toBe('');
    expect(await healthPid(first.url)).toBe(pid);
    expect(lockPid(home)).toBe(pid);
  });

  it('a stopped gateway leaves no lock; one killed outright leaves a stale lock the next start takes over', async () => {
    const home = newHome();
    const first = await spawnGateway(['--home', home]);
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
    expect(first.child.signalCode).toBeNull();
    expect(existsSync(homePaths(home).lock)).toBe(false);

    const second = await spawnGateway(['--home', home]);
    running.push(second);
    second.child.kill('SIGKILL');
    await new Promise((r) => second.child.once('exit', r));
    expect(lockPid(home)).toBe(second.child.pid);

    const third = await spawnGateway(['--home', home]);
    running.push(third);
    expect(lockPid(home)).toBe(third.child.pid);
    expect(await healthPid(third.url)).toBe(third.child.pid);
  });

  it('three starts racing for a home with a stale lock: exactly one serves, the other two name it', async () => {
    const home = newHome();
    const stale = await spawnGateway(['--home', home]);
    stale.child.kill('SIGKILL');
    await new Promise((r) => stale.child.once('exit', r));

    const runs = [0, 1, 2].map(() => {
      const child = spawn(process.execPath, [BIN, 'start', '--home', home, '--port', '0'], { env: { ...process.env, GATEHOUSE_TOKEN: '', GATEHOUSE_KEYCHAIN: 'off' } });
      running.push({ child, url: '', stdout: '', stderr: () => '' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Settles when it either listens or exits.
      const settled = new Promise<{ pid: number; url: string | null; code: number | null; stderr: string }>((resolve) => {
        child.stdout.on('data', () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m && stdout.includes('Traces')) resolve({ pid: child.pid!, url: m[1]!, code: null, stderr });
        });
        child.on('close', (code) => resolve({ pid: child.pid!, url: null, code, stderr }));
      });
      return settled;
    });
    const results = await Promise.all(runs);
    const serving = results.filter((r) => r.url !== null);
    expect(serving).toHaveLength(1);
    const winner = serving[0]!;
    expect(lockPid(home)).toBe(winner.pid);
    for (const r of results.filter((x) => x.url === null)) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Gatehouse already runs for home ${home} on ${winner.url} (pid ${winner.pid})`);
    }
  });
});
