import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The real Codex CLI (`@openai/codex`, a native binary shipped inside the npm package) for the
 * end-to-end tests: where it is, or why it cannot run here. `GATEHOUSE_TEST_CODEX=required`
 * turns the reason into a failure, for a CI that must run them.
 */
function codexBin(): string | null {
  try {
    const bin = join(dirname(createRequire(import.meta.url).resolve('@openai/codex/package.json')), 'bin', 'codex.js');
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function hasPlatformPackage(): boolean {
  try {
    createRequire(import.meta.url).resolve(`@openai/codex-${process.platform}-${process.arch}/package.json`);
    return true;
  } catch {
    return false;
  }
}

export const CODEX_BIN = codexBin();

/** Why the Codex tests skip here, after saying so; null when they run. Throws when GATEHOUSE_TEST_CODEX=required. */
export function codexSkipReason(what: string): string | null {
  const reason = !CODEX_BIN ? '@openai/codex is not installed' : !hasPlatformPackage() ? `@openai/codex ships no binary for ${process.platform}-${process.arch}` : null;
  if (reason === null) return null;
  if (process.env.GATEHOUSE_TEST_CODEX === 'required') throw new Error(`GATEHOUSE_TEST_CODEX=required, but ${what} cannot run: ${reason}`);
  console.warn(`skipping ${what}: ${reason}`);
  return reason;
}

/** Runs `codex exec` in `home` to completion without blocking the event loop the gateway runs on. */
export function codexExec(home: string, env: Record<string, string>, model: string, prompt: string, sandbox = 'read-only'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CODEX_BIN!, 'exec', '--skip-git-repo-check', '--sandbox', sandbox, '--color', 'never', '-m', model, prompt], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
