import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CommandError, UsageError, parse, resolveHome } from '../../local-gateway/cli/args.js';
import { cliConfig } from '../../local-gateway/cli/config-file.js';
import { clearRuntime, ensureHome, writeRuntime } from '../../local-gateway/core/home.js';
import { claimHome, ownerSentence, type HomeHolder } from '../../local-gateway/core/home-lock.js';
import { LOG_LEVELS, type LogLevel } from '../../local-gateway/core/log.js';
import { VERSION } from '../../local-gateway/core/version.js';
import { CreatePatResponseSchema, PATHS, PublishResponseSchema, SyncErrorSchema } from '../protocol.js';
import { createCentral, CentralStartError } from './app.js';
import { SigningKeyError } from './keys.js';
import { releaseYoungGeneration } from '../../local-gateway/core/young-generation.js';
import { tierUpSooner } from '../../local-gateway/core/tiering.js';

export const DEFAULT_CENTRAL_PORT = 4142;
const STOP_GRACE_MS = 5_000;

export const CENTRAL_HELP = `Usage: gatehouse central start [options]
       gatehouse central publish FILE [--url URL] [--json]
       gatehouse central pat USER [--team TEAM] [--url URL] [--json]

The reference central gateway: the org's signed policy, device enrollment, usage and audit
records, and the client APIs (/v1/chat/completions, /v1/messages, /v1/responses, /v1/models)
enforcing the prod tier with PATs as keys.

start
  --port P          Port (default 4142; 0 picks a free one)
  --host H          Address to bind (default 127.0.0.1); its name is then accepted as Host
  --home DIR        central.db and the traces of its client APIs (default: <gatehouse home>/central)
  --config FILE     gatehouse.yaml: the providers behind its client APIs (the device's schema)
  --org NAME        The org it serves; required until a bundle is published (default
                    GATEHOUSE_ORG, then the latest published bundle's org)
  --tier T          The tier its client APIs enforce (default prod)
  --storage S       sqlite (default: <home>/central.db) or postgres://USER:env:VAR@HOST:PORT/DB for a
                    fleet (several replicas on one database); the password only as env:VAR or
                    keychain:NAME (default GATEHOUSE_CENTRAL_STORAGE, then sqlite)
  --retention-days N  On PostgreSQL, keep records N days (whole day partitions are dropped;
                    usage rollups stay); default: keep all
  --drain-ms N      How soon the usage of the requests it serves reaches the storage: its own
                    outbox (in <home>/gatehouse.db, written with each trace) is drained N ms
                    after new traces and every N ms while records wait (default 1000)
  --ingest-in-flight N  Records batches taken at once; past N a batch is answered 429 with
                    Retry-After (default 16). Lower it when the database is short of CPU
  --log-level L     error, warn (default), info or debug
  --json            One JSON line (url, home, storage, org, key_id, key_source, replica_id) instead of the banner
  Environment: GATEHOUSE_ADMIN_TOKEN (required), GATEHOUSE_ORG, GATEHOUSE_SIGNING_KEY (base64 32-byte seed),
  else GATEHOUSE_SIGNING_KEY_FILE (a file holding one, mode 0600, made at first start when absent),
  else the OS keychain entry central-signing-key, created at first start.

publish FILE
  Validates FILE (YAML or JSON) as \`gatehouse policy check\` does, then the central assigns
  the next version, sets expires (the file's, else 30 days from now) and signs it.
  --url URL         The central gateway (default GATEHOUSE_CENTRAL_URL, else http://127.0.0.1:4142)
  Environment: GATEHOUSE_ADMIN_TOKEN.

pat USER
  Creates a PAT for USER (and TEAM) on a running central and prints it, alone, on stdout:
  it is shown once (the central keeps its hash), so hand it to USER, who enrolls with it.
  --team TEAM       The team the PAT's requests count for
  --url URL         As for publish
  Environment: GATEHOUSE_ADMIN_TOKEN.
`;

const KEY_SOURCES = { env: 'from GATEHOUSE_SIGNING_KEY', file: 'from the file GATEHOUSE_SIGNING_KEY_FILE names', keychain: 'in the OS keychain' } as const;

const isLogLevel = (v: string): v is LogLevel => (LOG_LEVELS as readonly string[]).includes(v);

/** `gatehouse central start|publish`. */
export async function central(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'start') return start(rest);
  if (sub === 'publish') return publish(rest);
  if (sub === 'pat') return createPat(rest);
  throw new UsageError(`Unknown central command "${sub ?? ''}": use \`gatehouse central start\`, \`gatehouse central publish FILE\` or \`gatehouse central pat USER\` (see gatehouse central --help).`);
}

function adminToken(env: NodeJS.ProcessEnv): string {
  const token = env.GATEHOUSE_ADMIN_TOKEN?.trim();
  if (!token) throw new CommandError('Set GATEHOUSE_ADMIN_TOKEN to a long random secret (e.g. `openssl rand -base64 32`): the central gateway and its admin commands need it.');
  return token;
}

async function start(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string', default: '127.0.0.1' },
    org: { type: 'string' },
    tier: { type: 'string', default: 'prod' },
    storage: { type: 'string' },
    'retention-days': { type: 'string' },
    'drain-ms': { type: 'string' },
    'ingest-in-flight': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
  });
  const token = adminToken(process.env);
  const port = Number(values.port ?? DEFAULT_CENTRAL_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`Port "${values.port}" is not a port number: use 0–65535.`);
  const level = values['log-level'];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}.`);
  const retention = values['retention-days'] === undefined ? undefined : Number(values['retention-days']);
  if (retention !== undefined && (!Number.isInteger(retention) || retention < 1)) throw new UsageError(`--retention-days "${values['retention-days']}" is not a whole number of days: use 1 or more.`);
  const drainMs = values['drain-ms'] === undefined ? undefined : Number(values['drain-ms']);
  if (drainMs !== undefined && (!Number.isInteger(drainMs) || drainMs < 1 || drainMs > 2 ** 31 - 1)) throw new UsageError(`--drain-ms "${values['drain-ms']}" is not a whole number of milliseconds: use 1 to 2147483647.`);
  const inFlight = values['ingest-in-flight'] === undefined ? undefined : Number(values['ingest-in-flight']);
  if (inFlight !== undefined && (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > 10_000)) throw new UsageError(`--ingest-in-flight "${values['ingest-in-flight']}" is not a whole number of batches: use 1 to 10000.`);
  const home = values.home ?? join(resolveHome(undefined), 'central');
  const loaded = cliConfig({ home, config: values.config });
  const host = values.host;

  // Before the storage and the outbox open: one replica per home. Two on one home would drain
  // the same outbox rows of served requests and share one replica id; a second start says where
  // the first runs and exits 1, and waits out one that is still starting or stopping.
  const paths = ensureHome(home);
  const claim = await claimHome(paths, { waitMs: STOP_GRACE_MS + 5_000 });
  if ('owner' in claim) throw new CommandError(ownerSentence(paths, claim.owner, REPLICA_HOLDER));
  const lock = claim.held;

  let app: FastifyInstance;
  try {
    app = await createCentral({
      home, adminToken: token, config: loaded.config, configFile: loaded.file, org: values.org ?? (process.env.GATEHOUSE_ORG?.trim() || null), enforcedTier: values.tier,
      recordsRetentionDays: retention,
      ownDrainMs: drainMs,
      maxIngestInFlight: inFlight,
      storageUrl: values.storage ?? (process.env.GATEHOUSE_CENTRAL_STORAGE?.trim() || 'sqlite'),
      logging: level, allowedHosts: host === '127.0.0.1' || host === 'localhost' ? [] : [host],
    });
  } catch (err) {
    lock.release();
    if (err instanceof SigningKeyError || err instanceof CentralStartError) throw new CommandError(err.message);
    throw err;
  }
  try {
    // The central's one place that binds a port: loopback unless --host says otherwise.
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    lock.release();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CommandError(`Port ${port} is in use: pick another with --port.`);
    throw err;
  }
  releaseYoungGeneration();
  tierUpSooner();
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  const { signer } = app.central;
  // Before anything says the central is up: a supervisor may stop it the moment it reads the
  // banner, and a SIGTERM that finds no handler kills it with the home's lock left behind.
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    lock.markStopping();
    clearRuntime(paths, process.pid);
    setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
    await app.close();
    lock.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // What a second start on this home probes (its /healthz answers with this pid).
  writeRuntime(paths, { pid: process.pid, port: actual, url, started_at: new Date().toISOString() });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ url, home, storage: app.central.storageDisplay, org: app.central.org(), key_id: signer.keyId, key_source: signer.source, replica_id: app.central.replicaId, latest_version: app.central.policies.latest()?.version ?? null })}\n`);
  } else {
    process.stdout.write(
      [
        `Gatehouse central ${VERSION} listening on ${url} (client APIs enforce tier ${values.tier})`,
        `  Fleet API     ${url}/v1/fleet (PAT as bearer)`,
        `  Admin API     ${url}/v1/admin (GATEHOUSE_ADMIN_TOKEN as bearer)`,
        `  Client APIs   ${url}/v1 (PAT as API key)`,
        `  Org           ${app.central.org()} (devices enroll into it; only its bundles are published)`,
        `  Signing key   ${signer.keyId} (${KEY_SOURCES[signer.source]})`,
        `  Policy        ${app.central.policies.latest() ? `version ${app.central.policies.latest()!.version}` : 'none published yet: gatehouse central publish FILE'}`,
        `  Home          ${home}`,
        `  Storage       ${app.central.storageDisplay}`,
        `  Replica       ${app.central.replicaId} (the usage it serves reaches the storage through its outbox in ${home})`,
        '',
      ].join('\n'),
    );
  }

}

/** What a second `gatehouse central start` on a held home says of the replica there. */
const REPLICA_WHY = 'each replica needs a --home of its own (it drains the records of the requests it served from there)';
const REPLICA_HOLDER: HomeHolder = { name: 'A central replica', stuck: 'replica', running: REPLICA_WHY, starting: REPLICA_WHY };

const centralUrl = (flag: string | undefined) => (flag ?? (process.env.GATEHOUSE_CENTRAL_URL || `http://127.0.0.1:${DEFAULT_CENTRAL_PORT}`)).replace(/\/+$/, '');

/** One admin API call to a running central; a refusal becomes its message (and each problem as a line, via `problem`). */
async function adminCall(base: string, path: string, init: { type: string; body: string }, problem: (p: { line: number | null; field: string; message: string }) => string = (p) => `${p.field}: ${p.message}`): Promise<unknown> {
  const token = adminToken(process.env);
  let res: Response;
  try {
    res = await fetch(base + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': init.type },
      body: init.body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CommandError(`Cannot reach the central gateway at ${base} (${(err as Error).message}): start it with \`gatehouse central start\`, or pass --url.`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = SyncErrorSchema.safeParse(body);
    if (!parsed.success) throw new CommandError(`The central gateway answered ${res.status}: check --url.`);
    throw new CommandError([parsed.data.error.message, ...(parsed.data.error.problems ?? []).map(problem)].join('\n'));
  }
  return body;
}

async function publish(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { url: { type: 'string' } });
  const file = positionals[0];
  if (!file) throw new UsageError('Name the bundle to publish: gatehouse central publish FILE.');
  adminToken(process.env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CommandError(`${file}: cannot read the bundle (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path.`);
  }
  const body = await adminCall(centralUrl(values.url), PATHS.adminPolicies, { type: file.endsWith('.json') ? 'application/json' : 'text/yaml', body: text }, (p) => `${file}:${p.line ?? '?'}: ${p.field}: ${p.message}`);
  const answer = PublishResponseSchema.parse(body);
  if (values.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else process.stdout.write(`Published ${file} as version ${answer.version}, signed by key ${answer.key_id}, expires ${answer.expires}.\n`);
}

async function createPat(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { url: { type: 'string' }, team: { type: 'string' } });
  const user = positionals[0];
  if (!user || positionals.length > 1) throw new UsageError('Name the PAT\'s owner: gatehouse central pat USER [--team TEAM].');
  const body = await adminCall(centralUrl(values.url), PATHS.adminPats, { type: 'application/json', body: JSON.stringify({ user, team: values.team ?? null }) });
  const answer = CreatePatResponseSchema.parse(body);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return;
  }
  // The PAT alone on stdout, so `> pat.txt` keeps just it; the advice goes to stderr.
  process.stdout.write(`${answer.pat}\n`);
  process.stderr.write(`PAT ${answer.pat_id} for ${answer.user}${answer.team ? ` (team ${answer.team})` : ''}: shown once, hand it over now; revoke it with DELETE ${PATHS.adminPats}/${answer.pat_id}.\n`);
}
