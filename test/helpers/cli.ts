import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Commands run with the keychain off unless a test opts in (with its own keychain service):
 * a developer's `npm test` must never write into their real keychain.
 */
const BASE_ENV = { GATEHOUSE_TOKEN: '', GATEHOUSE_KEYCHAIN: 'off' };

export const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

/** Runs one `gatehouse` command to completion; `input` is its stdin. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input = '') {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...BASE_ENV, ...env }, encoding: 'utf8', timeout: 15_000, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same without blocking the test's event loop, for commands that call a server the test itself runs. */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...BASE_ENV, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export interface RunningGateway {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: string;
  /** Everything the gateway wrote to stderr (its log) so far. */
  stderr(): string;
}

/**
 * Spawns `gatehouse <args>` and waits until `ready` finds the URL in what it printed (the
 * process's stdout so far); rejects with its stderr when it exits or takes over 15 s.
 */
async function spawnServer(what: string, args: string[], env: NodeJS.ProcessEnv, ready: (stdout: string) => string | null) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...BASE_ENV, ...env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${stderr}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const found = ready(stdout);
      if (found !== null) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${stderr}`));
    });
  });
  return { child, url, stdout, stderr: () => stderr };
}

/** Starts `gatehouse start` as its own process and waits for its banner. */
export async function spawnGateway(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningGateway> {
  return spawnServer('gateway', ['start', '--port', '0', ...args], env, (stdout) => {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
    return m && stdout.includes('Traces') ? m[1]! : null;
  });
}

export interface RunningCentral {
  child: ChildProcessWithoutNullStreams;
  url: string;
  port: number;
  stderr(): string;
}

/**
 * Starts `gatehouse central start --json` as its own process (pass `--home`, `--org`, `--port`
 * in `args`; the admin token and signing key in `env`) and waits for its JSON line.
 */
export async function spawnCentral(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningCentral> {
  const { child, url, stderr } = await spawnServer('central', ['central', 'start', '--json', ...args], env, (stdout) => {
    const line = stdout.split('\n').find((l) => l.startsWith('{'));
    return line && stdout.includes('\n') ? (JSON.parse(line) as { url: string }).url : null;
  });
  return { child, url, port: Number(new URL(url).port), stderr };
}

/** SIGKILLs a child (no cleanup of any kind runs) and waits for it to be gone. */
export async function killHard(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}
