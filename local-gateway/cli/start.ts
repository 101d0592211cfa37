import { ConfigError } from '../core/config-error.js';
import { clearRuntime, ensureHome, writeRuntime, type LocalToken } from '../core/home.js';
import { claimHome, ownerSentence } from '../core/home-lock.js';
import { resolveLocalToken } from '../keychain/token.js';
import { VERSION } from '../core/version.js';
import { buildGateway, listenLoopback } from '../server/app.js';
import { CommandError, UsageError, parse, resolveHome, resolvePort } from './args.js';
import { cliConfig } from './config-file.js';
import { LOG_LEVELS, type LogLevel } from '../core/log.js';
import { releaseYoungGeneration } from '../core/young-generation.js';
import { tierUpSooner } from '../core/tiering.js';

const isLogLevel = (v: string): v is LogLevel => (LOG_LEVELS as readonly string[]).includes(v);

const STOP_GRACE_MS = 5_000;
/** After the cut, how long the cut requests get to send their error event and be traced before the process exits anyway. */
const CUT_WAIT_MS = 2_000;

/** The stop's grace: GATEHOUSE_STOP_GRACE_MS overrides it (tests, supervisors with their own deadline). */
function stopGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.GATEHOUSE_STOP_GRACE_MS;
  if (raw === undefined || raw === '') return STOP_GRACE_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) throw new UsageError(`GATEHOUSE_STOP_GRACE_MS must be a whole number of milliseconds, not "${raw}".`);
  return ms;
}

function describeToken(token: LocalToken): string {
  const print = '(print it with `gatehouse token`)';
  if (token.source === 'env') return 'fixed by GATEHOUSE_TOKEN';
  if (token.source === 'keychain') return `in the OS keychain ${print}`;
  const why = token.keychainProblem ? `; no OS keychain is reachable (${token.keychainProblem}), so it is kept in this file, readable by you only` : '';
  return `in ${token.file} ${print}${why}`;
}

export const START_HELP = `Usage: gatehouse start [options]

  --port P          Port on 127.0.0.1 (default 4141, or GATEHOUSE_PORT; 0 picks a free one)
  --home DIR        Traces, token and key index (default: the OS app-data dir, or GATEHOUSE_HOME)
  --config FILE     gatehouse.yaml (default: GATEHOUSE_CONFIG, else <home>/gatehouse.yaml if present)
  --log-level L     error, warn (default), info or debug, one line per event on stderr
  --json            One JSON line (url, dashboard_url, token_source, token_file, config, home) instead of the banner

One gateway per home: a second start on the same home (any port) says where the first runs and exits 1;
it waits for one still starting or stopping, and takes over the lock of one that crashed.

Ctrl-C or SIGTERM stops it; open requests get up to 5 s to finish (GATEHOUSE_STOP_GRACE_MS), then are cut:
each ends with the API's error event and is traced as GH_ERR_SHUTDOWN. A second Ctrl-C cuts them at once.
`;

/** `gatehouse start`: runs the gateway in the foreground until SIGINT/SIGTERM. */
export async function start(argv: string[]): Promise<void> {
  const { values } = parse(argv, { port: { type: 'string', short: 'p' }, 'log-level': { type: 'string', default: 'warn' } });
  const home = resolveHome(values.home);
  const port = resolvePort(values.port);
  const paths = ensureHome(home);
  const loaded = cliConfig(values);
  const token = (await resolveLocalToken(paths))!;
  const level = values['log-level'];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}.`);
  const grace = stopGraceMs(process.env);

  // Before the database opens: one gateway per home. A second start says where the first runs
  // and exits 1; it waits out one that is still starting (to report it) or stopping (to follow it).
  let told = false;
  const claim = await claimHome(paths, {
    waitMs: grace + CUT_WAIT_MS + 5_000,
    onWait: (owner) => {
      if (!told) process.stderr.write(`Waiting for the gateway of home ${paths.dir} (pid ${owner.pid}) to finish ${owner.kind === 'stopping' ? 'stopping' : 'starting'}…\n`);
      told = true;
    },
  });
  if ('owner' in claim) throw new CommandError(ownerSentence(paths, claim.owner));
  const lock = claim.held;

  let app;
  try {
    app = await buildGateway({ config: loaded.config, configFile: loaded.file, home, token, logging: level });
  } catch (err) {
    lock.release();
    // What only the providers can check (e.g. an `apis` entry the kind does not speak), and the policy file the config names.
    if (err instanceof ConfigError) {
      const policy = loaded.config.policy;
      if (policy !== undefined && err.message.includes(policy)) throw new CommandError(`Policy not loaded (fix it, check it with \`gatehouse policy check\`):\n${err.message}`);
      throw new CommandError(`Config not loaded:\n${err.message}`);
    }
    throw err;
  }
  let url: string;
  try {
    url = await listenLoopback(app, port);
  } catch (err) {
    await app.close();
    lock.release();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CommandError(`Port ${port} is in use: another gatehouse may be running (\`gatehouse status\`), or pick another with --port.`);
    }
    throw err;
  }
  // Before anything says the gateway is up: a supervisor may stop it the moment it reads the
  // banner, and a SIGTERM that finds no handler kills the process with no flush and no cleanup.
  let stopping = false;
  let cutting = false;
  let exitCode = 0;
  /** Cuts what is still open: each request ends with the API's error event and is traced, then the stop goes on. */
  const cut = async (code: number): Promise<void> => {
    exitCode = code;
    if (cutting) return;
    cutting = true;
    // A request that cannot even send its error event must not keep the process alive.
    setTimeout(() => process.exit(exitCode), CUT_WAIT_MS).unref();
    const n = await app.gateway.pipeline.cutOpen();
    process.stderr.write(`Gatehouse cut ${n} open request${n === 1 ? '' : 's'} (traced as GH_ERR_SHUTDOWN, "cut by shutdown").\n`);
    // Keep-alive sockets of the requests just answered would hold app.close() open.
    app.server.closeAllConnections();
  };
  const stop = async (signal: string) => {
    lock.markStopping();
    clearRuntime(paths, process.pid);
    if (stopping) {
      // A second signal: stop now; every open request still gets its error event and its trace.
      await cut(1);
      return;
    }
    stopping = true;
    process.stderr.write(`Gatehouse stopping (${signal}): waiting up to ${grace / 1000} s for open requests; press Ctrl-C again to stop now.\n`);
    // Agent streams can run for minutes; a stop must not wait for them.
    const timer = setTimeout(() => void cut(0), grace);
    await app.close();
    clearTimeout(timer);
    lock.release();
    process.stderr.write('Gatehouse stopped.\n');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const actualPort = Number(new URL(url).port);
  writeRuntime(paths, { pid: process.pid, port: actualPort, url, started_at: new Date().toISOString() });
  releaseYoungGeneration();
  tierUpSooner();

  if (values.json) {
    // For scripts and supervisors: where everything is, never the token itself (`gatehouse token` prints it).
    const ready = { url, dashboard_url: `${url}/ui/`, token_source: token.source, token_file: token.file, config: loaded.file, home: paths.dir };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } else printBanner(url, token, loaded, paths.db, values.home, [...app.gateway.providers.values()].map((p) => p.id));
}

/** The banner a developer reads: where the API, the dashboard (with the token) and the traces are. */
function printBanner(url: string, token: LocalToken, loaded: ReturnType<typeof cliConfig>, db: string, homeFlag: string | undefined, providerIds: string[]): void {
  const providers = providerIds.map((id) => (id === 'demo' ? 'demo (built-in)' : id)).join(', ');
  process.stdout.write(
    [
      `Gatehouse ${VERSION} listening on ${url} (tier ${loaded.config.tiers.active})`,
      `  API base URL  ${url}/v1`,
      `  Dashboard     ${url}/ui/#token=${token.value}`,
      `  Local token   ${describeToken(token)}`,
      `  Providers     ${providers}`,
      `  Config        ${loaded.file ?? 'none (built-in defaults; try model "demo/echo")'}`,
      `  Traces        ${db}`,
      '',
      `Try it: curl ${url}/v1/chat/completions -H "Authorization: Bearer $(npx gatehouse token${homeFlag ? ` --home ${homeFlag}` : ''})" \\`,
      `          -d '{"model":"${loaded.config.providers.length === 0 ? 'demo/echo' : `${loaded.config.providers[0]!.id}/<model>`}","messages":[{"role":"user","content":"hello"}]}'`,
      '',
    ].join('\n'),
  );
}
