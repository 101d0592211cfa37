import { homePaths, readRuntime } from '../../local-gateway/core/home.js';

/** A gateway found running for a home: its pid and base URL, from the home's runtime file. */
export interface RunningGateway {
  pid: number;
  url: string;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which is still not ours to attach to.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Looks for the gateway of `home`: `gatehouse start` writes `<home>/gateway.json` (pid, port)
 * once it listens and removes it when it stops. A file left by a crash names a dead pid or a
 * port nobody answers on, so the pid is checked and `/healthz` asked before trusting it: the
 * app and a terminal's `gatehouse start` then share one gateway instead of fighting over the
 * port and the database.
 */
export async function findRunningGateway(home: string, timeoutMs = 1500): Promise<RunningGateway | null> {
  const runtime = readRuntime(homePaths(home));
  if (runtime === null || !Number.isInteger(runtime.pid) || !alive(runtime.pid)) return null;
  const url = `http://127.0.0.1:${runtime.port}`;
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
  } catch {
    return null;
  }
  return { pid: runtime.pid, url };
}
