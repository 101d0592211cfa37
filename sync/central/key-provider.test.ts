import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../signing.js';
import { CentralError } from './errors.js';
import { envKeyProvider, fileKeyProvider, keyProviderFrom, SigningKeyError } from './key-provider.js';
import type { Keychain } from '../../local-gateway/keychain/index.js';

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
// Provider selection never touches this keychain: reaching it would be a test failure.
const noKeychain = { get: () => Promise.reject(new Error('keychain used')), set: () => Promise.reject(new Error('keychain used')) } as unknown as Keychain;

describe('signing key providers', () => {
  it('file: made at first start (mode 0600), the same key after, and a rotation replaces it', async () => {
    const file = join(dir(), 'keys', 'signing.key');
    const first = await fileKeyProvider(file).load();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await fileKeyProvider(file).load()).keyId).toBe(first.keyId);
    const next = generateSigningKey();
    await fileKeyProvider(file).store(next);
    expect(readFileSync(file, 'utf8').trim()).toBe(next.seed);
    expect((await fileKeyProvider(file).load()).keyId).toBe(next.keyId);
  });

  it('file: a seed that is not one is refused at start, naming the file', async () => {
    const file = join(dir(), 'signing.key');
    writeFileSync(file, 'not-a-seed\n');
    await expect(fileKeyProvider(file).load()).rejects.toThrow(SigningKeyError);
    await expect(fileKeyProvider(file).load()).rejects.toThrow(/signing key file .*signing\.key is not a base64 32-byte Ed25519 seed/);
  });

  it('file: a place it cannot write refuses the rotation with a coded error, and the old key stays', async () => {
    const file = join(dir(), 'signing.key');
    const first = await fileKeyProvider(file).load();
    // The rotation writes beside the file and renames; a directory in the way fails it, root or not.
    mkdirSync(`${file}.${process.pid}.tmp`);
    const err = await fileKeyProvider(file).store(generateSigningKey()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CentralError);
    expect((err as CentralError).code).toBe('GH_ERR_KEY_NOT_STORED');
    expect((await fileKeyProvider(file).load()).keyId).toBe(first.keyId);
  });

  it('env: the seed as given; a rotation is refused with GH_ERR_KEY_FROM_ENV', async () => {
    const pair = generateSigningKey();
    const p = envKeyProvider(pair.seed);
    expect((await p.load()).keyId).toBe(pair.keyId);
    await expect(p.store(generateSigningKey())).rejects.toMatchObject({ code: 'GH_ERR_KEY_FROM_ENV' });
  });

  it('selection: GATEHOUSE_SIGNING_KEY, then GATEHOUSE_SIGNING_KEY_FILE, then the keychain', () => {
    const file = join(dir(), 'k');
    expect(keyProviderFrom({ GATEHOUSE_SIGNING_KEY: generateSigningKey().seed, GATEHOUSE_SIGNING_KEY_FILE: file }, noKeychain).source).toBe('env');
    expect(keyProviderFrom({ GATEHOUSE_SIGNING_KEY_FILE: file }, noKeychain).source).toBe('file');
    expect(keyProviderFrom({}, noKeychain).source).toBe('keychain');
  });
});
