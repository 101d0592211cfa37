import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import type { Whoami } from '../identity/whoami.js';
import { ensureHome, readRuntime, type HomePaths } from '../core/home.js';
import { whoami, WhoamiRefused } from '../identity/index.js';
import { KEY_NAME, KeychainUnavailableError, keychainAdvice, openKeychain, type Keychain } from '../keychain/index.js';
import { forgetKey, kindOf, listKeys, PAT_NAME, readKeyIndex, recordKey } from '../keychain/names.js';
import { resolveLocalToken } from '../keychain/token.js';
import { CommandError, parse, resolveHome, UsageError } from './args.js';
import { resolveConfigFile } from './config-file.js';
import { readSecretInput } from './secret-input.js';

const USAGE = 'Usage: gatehouse keys set NAME (the value on stdin) | keys list [--json] | keys rm NAME';

export const KEYS_HELP = `Usage: gatehouse keys <set NAME | list | rm NAME>

  set NAME [--json]   Store a key in the OS keychain; the value comes on stdin (at a terminal it asks,
                      input hidden), never as an argument. "pat" is the central gateway's PAT.
  list [--json]       Names, kinds (provider, pat, token, other) and when each was set; never a value
  rm NAME [--json]    Remove a key

A running gateway reads its keys again at once. api_key: keychain:NAME in gatehouse.yaml uses the entry NAME.
`;

/** The config, for telling provider keys from others; a broken or missing one only loses that hint. */
export function configFor(paths: HomePaths, flag: string | undefined): Config | null {
  try {
    return loadConfig(resolveConfigFile(flag, paths.config)).config;
  } catch {
    return null;
  }
}

function checkName(name: string | undefined): string {
  if (name === undefined) throw new UsageError(`Name the key: ${USAGE}.`);
  if (!KEY_NAME.test(name)) throw new UsageError(`Key name "${name}" is not valid: use up to 64 letters, digits, ".", "_" and "-", starting with a letter or digit.`);
  return name;
}

function unavailable(err: unknown, name: string, verb: 'read' | 'stored' | 'removed'): unknown {
  // A PAT has no environment alternative: it lives in the keychain or nowhere.
  return err instanceof KeychainUnavailableError ? new CommandError(keychainAdvice(err, `the key "${name}"`, verb, name !== PAT_NAME)) : err;
}

/** Tells a running gateway to read its keychain keys and identity again; it may not be running, which is fine. */
async function notifyGateway(paths: HomePaths): Promise<boolean> {
  const runtime = readRuntime(paths);
  if (!runtime) return false;
  try {
    const token = await resolveLocalToken(paths, process.env, false);
    if (!token) return false;
    const res = await fetch(`${runtime.url}/api/keys/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.value}` },
      signal: AbortSignal.timeout(3_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Names the gateway keeps for itself: never set from outside. */
export const isReservedKeyName = (name: string): boolean => name.startsWith('local-token');

/**
 * Stores a key in the OS keychain, lists its name in the key index and has a running gateway
 * read its keys again: what `gatehouse keys set` and the desktop app's key prompt both run.
 */
export async function storeKey(o: { paths: HomePaths; config: Config | null; name: string; value: string; keychain: Keychain }): Promise<{ kind: ReturnType<typeof kindOf>; reloaded: boolean }> {
  if (isReservedKeyName(o.name)) throw new UsageError(`"${o.name}" is reserved for the gateway's local token: pick another name.`);
  try {
    await o.keychain.set(o.name, o.value);
  } catch (err) {
    throw unavailable(err, o.name, 'stored');
  }
  const kind = kindOf(o.name, o.config);
  recordKey(o.paths.keys, o.name, kind, new Date(), sayMovedAside);
  return { kind, reloaded: await notifyGateway(o.paths) };
}

async function set(paths: HomePaths, config: Config | null, name: string, extra: string[], json: boolean): Promise<void> {
  if (isReservedKeyName(name)) throw new UsageError(`"${name}" is reserved for the gateway's local token: pick another name.`);
  if (extra.length > 0) {
    throw new UsageError('Pass the key on stdin, never as an argument (arguments land in shell history and process lists): `gatehouse keys set NAME < file`, or type it at the prompt.');
  }
  const value = await readSecretInput(`Value for "${name}" (input hidden): `);
  if (!value) throw new UsageError('No value on stdin: pipe the key in (`gatehouse keys set NAME < file`) or type it at the prompt.');
  const { kind, reloaded } = await storeKey({ paths, config, name, value, keychain: openKeychain() });
  const owner = kind === 'pat' && config?.central ? await patOwner(config.central.url, value) : null;
  const entry = readKeyIndex(paths.keys).keys[name]!;
  if (json) {
    process.stdout.write(`${JSON.stringify({ name, kind, set_at: entry.set_at, gateway_reloaded: reloaded, ...(owner ? { owner } : {}) })}\n`);
    return;
  }
  const hint = kind === 'other' ? `; reference it as api_key: keychain:${name} in gatehouse.yaml` : '';
  const who = owner ? ` It belongs to ${owner.user}${owner.team ? ` (team ${owner.team})` : ''} in ${owner.org}.` : '';
  process.stdout.write(`Stored "${name}" (${kind}) in the OS keychain${hint}.${who}${reloaded ? ' The running gateway uses it from now on.' : ''}\n`);
}

/**
 * Checks a PAT right away, so a mistyped one shows now rather than as the wrong name on
 * every trace. The PAT stays stored either way: the central gateway may just be unreachable.
 */
async function patOwner(central: string, pat: string): Promise<Whoami | null> {
  try {
    return await whoami(central, pat);
  } catch (err) {
    if (err instanceof WhoamiRefused) {
      throw new CommandError(`Stored "pat", but ${err.message}: check it and set it again with \`gatehouse keys set pat\`.`);
    }
    process.stderr.write(`Stored "pat"; the central gateway could not be asked who it belongs to (${(err as Error).message}): the gateway asks again when it starts.\n`);
    return null;
  }
}

async function remove(paths: HomePaths, name: string, json: boolean): Promise<void> {
  let deleted: boolean;
  try {
    deleted = await openKeychain().delete(name);
  } catch (err) {
    throw unavailable(err, name, 'removed');
  }
  const listed = forgetKey(paths.keys, name, sayMovedAside);
  if (!deleted && !listed) throw new CommandError(`No key named "${name}": \`gatehouse keys list\` shows the names.`);
  const reloaded = await notifyGateway(paths);
  if (json) process.stdout.write(`${JSON.stringify({ name, removed: true, gateway_reloaded: reloaded })}\n`);
  else process.stdout.write(`Removed "${name}" from the OS keychain.\n`);
}

/** A damaged key index was moved aside: the names it held are not lost, and the user should know where they went. */
function sayMovedAside(to: string): void {
  process.stderr.write(`The key index was damaged, so it was moved to ${to} and a new one started; the keys themselves are still in the OS keychain.\n`);
}

function list(paths: HomePaths, config: Config | null, json: boolean): void {
  const keys = listKeys(paths.keys, config, sayMovedAside);
  if (json) {
    process.stdout.write(`${JSON.stringify({ keys })}\n`);
    return;
  }
  if (keys.length === 0) {
    process.stdout.write('No keys yet: add one with `gatehouse keys set NAME` (the value on stdin).\n');
    return;
  }
  const width = Math.max(4, ...keys.map((k) => k.name.length));
  const rows = keys.map((k) => `${k.name.padEnd(width)}  ${k.kind.padEnd(8)}  ${k.set_at}`);
  process.stdout.write(`${'NAME'.padEnd(width)}  KIND      SET AT\n${rows.join('\n')}\n`);
}

/** `gatehouse keys set|list|rm`: provider keys and the PAT in the OS keychain. Values are never printed. */
export async function keys(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {});
  const [sub, name, ...extra] = positionals;
  const paths = ensureHome(resolveHome(values.home));
  const config = configFor(paths, values.config);
  switch (sub) {
    case 'set':
      return set(paths, config, checkName(name), extra, values.json);
    case 'rm':
      return remove(paths, checkName(name), values.json);
    case 'list':
      if (name !== undefined) throw new UsageError(`\`keys list\` takes no name: ${USAGE}.`);
      return list(paths, config, values.json);
    default:
      throw new UsageError(sub === undefined ? `Say what to do: ${USAGE}.` : `Unknown keys command "${sub}": ${USAGE}.`);
  }
}
