/**
 * Running a stand-in as its own process (`tsx test/standins/<name>.ts --port N`), as the
 * benches do: one `listening <url>` line on stdout, and a clean exit on SIGTERM or SIGINT.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Runnable {
  url: string;
  close(): Promise<void>;
}

export function portFromArgs(argv: string[]): number {
  const i = argv.indexOf('--port');
  const value = i >= 0 ? Number(argv[i + 1]) : 0;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error('--port must be an integer 0..65535');
  return value;
}

/** True when the module at `moduleUrl` is the process's entry point, not an import. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** Starts the stand-in when its module is the entry point, and stops it on SIGTERM or SIGINT. */
export async function runIfMain(moduleUrl: string, start: (port: number) => Promise<Runnable>): Promise<void> {
  if (!isMainModule(moduleUrl)) return;
  const standin = await start(portFromArgs(process.argv));
  process.stdout.write(`listening ${standin.url}\n`);
  const stop = (): void => {
    void standin.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
