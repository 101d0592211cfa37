import { ensureHome, homePaths, readRuntime, type HomePaths } from '../core/home.js';
import { KeychainUnavailableError, keychainAdvice, openKeychain, type Keychain } from '../keychain/index.js';
import { resolveLocalToken } from '../keychain/token.js';
import { CentralError } from '../../sync/device/client.js';
import type { SyncCycleResult } from '../../sync/device/contracts.js';
import { SyncCycleResultSchema } from '../../sync/device/contracts.js';
import { enroll as enrollDevice, PAT_ENV, unenroll as unenrollDevice } from '../../sync/device/enrollment.js';
import { CommandError, parse, resolveHome, resolvePort, UsageError } from './args.js';
import { readSecretInput } from './secret-input.js';

export const ENROLL_HELP = `Usage: gatehouse enroll --central URL [--json]

Enrolls this device with the org's central gateway: the PAT (from your org admin) comes on
stdin (at a terminal it asks, input hidden), never as an argument. The PAT goes into the OS
keychain; the device id, org and the org's signing keys are kept in <home>/enrollment.json.
From then on the org's signed policy is in force instead of the local policy: file, and a
running gateway applies it at once.

On a machine without a keychain (CI, servers) set ${PAT_ENV} instead of piping the PAT: it
is then read from the environment every time and stored nowhere; the gateway needs it too.
`;

export const UNENROLL_HELP = `Usage: gatehouse unenroll [--json]

Removes the enrollment, the org's cached policy and the PAT from the keychain. The local
policy: file (or the built-in permissive tier) is in force again. The highest org policy
version accepted is kept, so enrolling again in the same org cannot roll the policy back.
`;

export const SYNC_HELP = `Usage: gatehouse sync now [--json] [--port P]

Runs one sync cycle on the running gateway at once: pulls the org policy (verifies and
applies it, or refuses it and keeps the last good one), reports the result to the central
gateway, and sends waiting usage records. Prints what it did.
`;

/** Whether the central gateway's address can be used: http(s) only (the PAT goes there as a bearer). */
export const isCentralUrl = (central: string): boolean => URL.canParse(central) && /^https?:$/.test(new URL(central).protocol);

interface Notified {
  ran: boolean;
  result: SyncCycleResult | null;
}

/** Runs a cycle on the running gateway of this home, if one runs; throws only when asked to (`sync now`). */
async function runCycle(paths: HomePaths, port: number | null, required: boolean): Promise<Notified> {
  const runtime = readRuntime(paths);
  const target = port ?? runtime?.port ?? null;
  const token = await resolveLocalToken(paths, process.env, false);
  if (target === null || !token) {
    if (required) throw new CommandError(`No gateway is running with home ${paths.dir}: start one with \`gatehouse start\`.`);
    return { ran: false, result: null };
  }
  let res: Response;
  try {
    // A cycle waits on the central gateway (10 s timeouts per call); give it room.
    res = await fetch(`http://127.0.0.1:${target}/api/sync`, { method: 'POST', headers: { authorization: `Bearer ${token.value}` }, signal: AbortSignal.timeout(60_000) });
  } catch {
    if (required) throw new CommandError(`Gatehouse is not running on 127.0.0.1:${target}: start it with \`gatehouse start\`.`);
    return { ran: false, result: null };
  }
  if (!res.ok) {
    if (required) throw new CommandError(`The gateway on port ${target} answered ${res.status} to POST /api/sync: it may belong to another home (--home) or token.`);
    return { ran: false, result: null };
  }
  return { ran: true, result: SyncCycleResultSchema.parse(await res.json()) };
}

export function describeCycle(r: SyncCycleResult): string {
  if (!r.enrolled) return 'This device is not enrolled: nothing to sync (enroll with `gatehouse enroll --central URL`).';
  const p = r.policy;
  const policy = {
    applied: `Policy v${p.version} applied.`,
    unchanged: `Policy unchanged${p.version !== null ? ` (v${p.version})` : ''}.`,
    rejected: `Policy${p.version !== null ? ` v${p.version}` : ''} refused: ${p.error}`,
    error: `Policy not pulled: ${p.error}`,
    skipped: 'Policy not pulled.',
  }[p.outcome];
  const rec = r.records;
  const records = `Records: ${rec.sent} sent in ${rec.batches} batch${rec.batches === 1 ? '' : 'es'}, ${rec.remaining} waiting${rec.error ? ` (${rec.error})` : ''}.`;
  const extra = p.outcome !== 'rejected' && p.outcome !== 'error' && p.error ? ` (${p.error})` : '';
  return `${policy}${extra} ${records}`;
}

/**
 * Enrolls the home with the central gateway, then has a running gateway sync at once: what
 * `gatehouse enroll` and the desktop app's enrollment form both run. A refusal (the central's,
 * or a keychain that cannot hold the PAT, checked before the device is registered) is a
 * CommandError of one sentence.
 */
export async function enrollHome(o: { paths: HomePaths; central: string; pat: string; patSource: 'env' | 'keychain'; keychain: Keychain }) {
  let enrollment;
  try {
    enrollment = await enrollDevice({ paths: o.paths, centralUrl: o.central, pat: o.pat, patSource: o.patSource, keychain: o.keychain });
  } catch (err) {
    if (err instanceof CentralError) throw new CommandError(err.message);
    if (err instanceof KeychainUnavailableError) {
      throw new CommandError(`${keychainAdvice(err, 'the PAT', 'stored', false).replace(/\.$/, '')}; or set ${PAT_ENV} for this command and the gateway (nothing is then stored).`);
    }
    throw err;
  }
  return { enrollment, cycle: await runCycle(o.paths, null, false) };
}

/** `gatehouse enroll --central URL`, the PAT on stdin or in GATEHOUSE_PAT. */
export async function enroll(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { central: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError('Pass the PAT on stdin (or in GATEHOUSE_PAT), never as an argument: `gatehouse enroll --central URL < pat.txt`.');
  const central = values.central;
  if (!central) throw new UsageError('Name the central gateway: `gatehouse enroll --central https://gatehouse.example.com` (the PAT on stdin).');
  if (!isCentralUrl(central)) throw new UsageError(`"${central}" is not an http(s) URL: use e.g. https://gatehouse.example.com.`);
  const paths = ensureHome(resolveHome(values.home));
  const fromEnv = process.env[PAT_ENV]?.trim();
  const pat = fromEnv || (await readSecretInput('PAT (input hidden): '));
  if (!pat) throw new UsageError(`No PAT: pipe it in (\`gatehouse enroll --central URL < pat.txt\`), type it at the prompt, or set ${PAT_ENV}.`);
  const { enrollment: e, cycle } = await enrollHome({ paths, central, pat, patSource: fromEnv ? 'env' : 'keychain', keychain: openKeychain() });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ enrolled: true, central_url: e.central_url, device_id: e.device_id, org: e.org, user: e.user, team: e.team, signing_key_ids: e.signing_keys.map((k) => k.key_id), pat_source: e.pat_source, gateway_synced: cycle.ran, sync: cycle.result })}\n`);
    return;
  }
  const where = e.pat_source === 'env' ? `The PAT stays in ${PAT_ENV} and was not stored: set it for the gateway too.` : 'The PAT is in the OS keychain.';
  const then = cycle.ran && cycle.result ? `The running gateway synced: ${describeCycle(cycle.result)}` : 'The gateway applies the org policy when it next starts (or run `gatehouse sync now`).';
  process.stdout.write(
    `Enrolled as ${e.user}${e.team ? ` (team ${e.team})` : ''} in ${e.org} at ${e.central_url}; device ${e.device_id}; pinned key${e.signing_keys.length === 1 ? '' : 's'} ${e.signing_keys.map((k) => k.key_id).join(', ')}.\n${where}\n${then}\n`,
  );
}

/** `gatehouse unenroll`. */
export async function unenroll(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {});
  if (positionals.length > 0) throw new UsageError('`gatehouse unenroll` takes no arguments.');
  const paths = ensureHome(resolveHome(values.home));
  const r = await unenrollDevice(paths, openKeychain());
  const cycle = await runCycle(paths, null, false);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ unenrolled: r.was !== null, org: r.was?.org ?? null, pat_removed: r.patRemoved, gateway_synced: cycle.ran })}\n`);
    return;
  }
  if (r.was === null) {
    process.stdout.write('This device was not enrolled; nothing to remove.\n');
    return;
  }
  const pat = r.patRemoved === null ? ' The keychain could not be reached, so remove the PAT yourself when it is (`gatehouse keys rm pat`).' : '';
  process.stdout.write(`Unenrolled from ${r.was.org} at ${r.was.central_url}: the local policy is in force again${cycle.ran ? ' on the running gateway' : ''}.${pat}\n`);
}

/** `gatehouse sync now`. */
export async function sync(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { port: { type: 'string', short: 'p' } });
  if (positionals[0] !== 'now' || positionals.length > 1) throw new UsageError('Usage: gatehouse sync now [--json] [--port P].');
  const paths = homePaths(resolveHome(values.home));
  const port = values.port !== undefined || process.env.GATEHOUSE_PORT ? resolvePort(values.port) : null;
  const result = (await runCycle(paths, port, true)).result!;
  const failed = result.policy.outcome === 'rejected' || result.policy.outcome === 'error';
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  // A refused or unreachable policy is a failed sync (exit 1), said on stderr.
  if (failed) throw new CommandError(describeCycle(result));
  if (!values.json) process.stdout.write(`${describeCycle(result)}\n`);
}
