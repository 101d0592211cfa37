import { join } from 'node:path';
import type { Keychain } from '../../local-gateway/keychain/index.js';
import type { Logger } from '../../local-gateway/core/log.js';
import { SqliteStorage } from './sqlite-storage.js';
import type { CentralStorage } from './storage.js';

/** A `--storage` value that cannot be used, said in one sentence (kept here so `pg` loads only for a postgres:// URL). */
export class StorageUrlError extends Error {}

/**
 * The storage a `--storage` value names: `sqlite` (the default, `<home>/central.db`) or a
 * `postgres://` URL whose password is an `env:`/`keychain:` reference. `display` never holds
 * the password.
 */
export async function openStorage(spec: string, ctx: { home: string; env: NodeJS.ProcessEnv; keychain: Keychain; log: Logger }): Promise<{ storage: CentralStorage; display: string }> {
  if (spec === 'sqlite') {
    const file = join(ctx.home, 'central.db');
    return { storage: new SqliteStorage(file), display: `sqlite ${file}` };
  }
  const { createPool, parsePostgresUrl, resolvePassword } = await import('./pg/connect.js');
  const { PostgresStorage } = await import('./pg/pg-storage.js');
  const target = parsePostgresUrl(spec);
  const password = await resolvePassword(target, ctx.env, ctx.keychain);
  const pool = createPool({ ...target.config, ...(password === undefined ? {} : { password }) }, (err) => ctx.log.warn('postgres connection lost', { err: err.message }));
  try {
    return { storage: await PostgresStorage.open(pool), display: target.display };
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}
