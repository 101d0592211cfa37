import { describe, expect, it } from 'vitest';
import type { Keychain } from '../../../local-gateway/keychain/index.js';
import { parsePostgresUrl, resolvePassword, StorageUrlError } from './connect.js';

const noKeychain = { get: async () => null } as unknown as Keychain;

describe('the --storage postgres:// URL', () => {
  it('takes the password as an env: or keychain: reference and never shows it', async () => {
    const t = parsePostgresUrl('postgres://gatehouse:env:PGPASS@db.internal:5433/fleet');
    expect(t).toMatchObject({ display: 'postgres://gatehouse@db.internal:5433/fleet', passwordRef: 'env:PGPASS', config: { host: 'db.internal', port: 5433, user: 'gatehouse', database: 'fleet' } });
    expect(await resolvePassword(t, { PGPASS: 's3cret' }, noKeychain)).toBe('s3cret');
    expect(parsePostgresUrl('postgresql://gatehouse:keychain:central-db@127.0.0.1/fleet').passwordRef).toBe('keychain:central-db');
    expect(parsePostgresUrl('postgres://gatehouse@127.0.0.1/fleet').passwordRef).toBeNull();
  });

  it('refuses a literal password, another scheme and a missing secret, each saying what to do', async () => {
    expect(() => parsePostgresUrl('postgres://gatehouse:hunter2@127.0.0.1/fleet')).toThrow(/literal password: put it in the environment or the OS keychain/);
    expect(() => parsePostgresUrl('mysql://x@127.0.0.1/db')).toThrow(StorageUrlError);
    expect(() => parsePostgresUrl('not a url')).toThrow(/is not a URL: use sqlite or postgres:/);
    await expect(resolvePassword(parsePostgresUrl('postgres://g:env:NOPE@h/d'), {}, noKeychain)).rejects.toThrow(/read from NOPE, which is not set/);
    await expect(resolvePassword(parsePostgresUrl('postgres://g:keychain:db@h/d'), {}, noKeychain)).rejects.toThrow(/gatehouse keys set db/);
  });
});
