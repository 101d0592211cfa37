import pg from 'pg';
import type { Keychain } from '../../../local-gateway/keychain/index.js';
import { registerSecret } from '../../../local-gateway/core/redact.js';
import { StorageUrlError } from '../storage-open.js';

export { StorageUrlError };

export interface PostgresTarget {
  /** The URL without its password: safe to print and log. */
  display: string;
  /** `env:NAME` or `keychain:NAME`; null: none in the URL (PGPASSWORD or a trust/peer rule may apply). */
  passwordRef: string | null;
  config: pg.PoolConfig;
}

const REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|keychain:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

/**
 * Parses `postgres://user:env:PGPASS@host:port/db` (or `keychain:NAME` in the password's
 * place). A literal password is refused: it would sit in shell history, `ps` and logs.
 */
export function parsePostgresUrl(value: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StorageUrlError(`--storage "${value.replace(/:[^:@/]*@/, ':…@')}" is not a URL: use sqlite or postgres://USER:env:PASSWORD_VAR@HOST:PORT/DB.`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new StorageUrlError(`--storage takes sqlite or a postgres:// URL, not ${url.protocol}//…`);
  const password = decodeURIComponent(url.password);
  if (password !== '' && !REF.test(password)) {
    throw new StorageUrlError('The --storage URL holds a literal password: put it in the environment or the OS keychain and write env:NAME or keychain:NAME in its place (postgres://USER:env:PGPASS@HOST/DB).');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
  const display = `postgres://${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}/${database ?? ''}`;
  return {
    display,
    passwordRef: password === '' ? null : password,
    config: { host: url.hostname || undefined, port: url.port ? Number(url.port) : undefined, user: url.username ? decodeURIComponent(url.username) : undefined, database },
  };
}

/** Reads the URL's password reference; its value is registered as a secret, so logs redact it. */
export async function resolvePassword(target: PostgresTarget, env: NodeJS.ProcessEnv, keychain: Keychain): Promise<string | undefined> {
  const ref = target.passwordRef;
  if (ref === null) return undefined;
  const [kind, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  const value = kind === 'env' ? env[name] : await keychain.get(name);
  if (!value) {
    throw new StorageUrlError(kind === 'env'
      ? `The PostgreSQL password is read from ${name}, which is not set: export it, or name another variable in the --storage URL.`
      : `The PostgreSQL password is read from the OS keychain entry ${name}, which is empty: set it with \`gatehouse keys set ${name}\`.`);
  }
  registerSecret(value);
  return value;
}

/** bigint and numeric as JS numbers: counts, ms times and sums stay well inside 2^53. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format ?? 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

/** A pool of its own per storage (never pg's process-wide defaults), with timeouts so a stalled server cannot pile up requests. */
export function createPool(config: pg.PoolConfig, onError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    max: 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 30_000,
    application_name: 'gatehouse-central',
    ...config,
    types: TYPES,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', onError);
  return pool;
}
