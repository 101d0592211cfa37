import type { Keychain } from '../../local-gateway/keychain/index.js';
import { KeychainUnavailableError, keychainAdvice } from '../../local-gateway/keychain/index.js';
import type { KeyEndorsement, SigningKey } from '../protocol.js';
import { endorseKey, generateSigningKey, isPastEnd, publicSigningKey, signBytes, signingKeyFromSeed, type SigningKeyPair } from '../signing.js';
import { CentralError } from './errors.js';
import type { CentralStorage, PolicyRow, SigningKeyRow } from './storage.js';

/** The keychain entry holding the current signing key's seed. */
export const SIGNING_KEY_ENTRY = 'central-signing-key';
export const SIGNING_KEY_ENV = 'GATEHOUSE_SIGNING_KEY';
/** How long a rotated-out key stays valid by default, so devices polling late still verify. */
export const DEFAULT_OVERLAP_MS = 7 * 24 * 3600_000;

/** A fatal start-up problem with the signing key, said in one sentence. */
export class SigningKeyError extends Error {}

/**
 * The org's signing keys. The current private seed lives only here, in memory, read from
 * `GATEHOUSE_SIGNING_KEY` or the OS keychain; storage holds the public records.
 */
export class Signer {
  private keys: SigningKeyRow[] = [];

  private constructor(
    private pair: SigningKeyPair,
    readonly source: 'env' | 'keychain',
    private readonly storage: CentralStorage,
    private readonly keychain: Keychain,
    private readonly clock: () => number,
  ) {}

  /** Loads the current key (generating and storing it in the keychain at first start) and records its public half. */
  static async open(storage: CentralStorage, env: NodeJS.ProcessEnv, keychain: Keychain, clock: () => number): Promise<Signer> {
    const { pair, source } = await loadKey(env, keychain);
    const signer = new Signer(pair, source, storage, keychain, clock);
    await storage.addSigningKey({ ...publicSigningKey(pair), createdAt: clock(), endorsement: null });
    await signer.reload();
    return signer;
  }

  get keyId(): string {
    return this.pair.keyId;
  }

  /** Re-reads the public key records (a rotation on another replica adds one). */
  async reload(): Promise<void> {
    this.keys = await this.storage.signingKeys();
  }

  /** The public keys that still sign or verify now: what enrollment pins. */
  validKeys(): SigningKey[] {
    const now = this.clock();
    return this.keys.filter((k) => !isPastEnd(k, now)).map(({ key_id, public_key, not_after }) => ({ key_id, public_key, not_after }));
  }

  /** Endorsements of every key still valid, oldest first, so a device can walk the chain from its pinned key. */
  endorsements(): KeyEndorsement[] {
    const now = this.clock();
    return this.keys.filter((k) => k.endorsement !== null && !isPastEnd(k, now)).map((k) => k.endorsement!);
  }

  sign(text: string): { signature: string; keyId: string } {
    return { signature: signBytes(this.pair, text), keyId: this.pair.keyId };
  }

  /**
   * Rotates to a fresh key: stored in the keychain, endorsed by the current key, which stays
   * valid for `overlapMs`; `resign` re-signs the latest bundle with the new key. Refused when
   * the key comes from the environment, which this process cannot change.
   */
  async rotate(overlapMs: number, resign: (next: SigningKeyPair) => PolicyRow | null): Promise<{ key_id: string; previous_key_id: string; previous_not_after: string }> {
    if (this.source === 'env') {
      throw new CentralError(
        'GH_ERR_KEY_FROM_ENV',
        `The signing key comes from ${SIGNING_KEY_ENV}, so it cannot be rotated here: unset ${SIGNING_KEY_ENV} to keep keys in the OS keychain (entry ${SIGNING_KEY_ENTRY}), or restart with a new seed in ${SIGNING_KEY_ENV} and re-enroll the devices.`,
      );
    }
    const next = generateSigningKey();
    const now = this.clock();
    const previous = this.pair;
    const notAfter = new Date(now + overlapMs).toISOString();
    const endorsement = endorseKey(previous, publicSigningKey(next));
    try {
      await this.keychain.set(SIGNING_KEY_ENTRY, next.seed);
    } catch (err) {
      if (err instanceof KeychainUnavailableError) throw new SigningKeyError(keychainAdvice(err, 'the new signing key', 'stored', false));
      throw err;
    }
    const policy = resign(next);
    await this.storage.rotateKey({ key: { ...publicSigningKey(next), createdAt: now, endorsement }, previousKeyId: previous.keyId, previousNotAfter: notAfter, policy });
    this.pair = next;
    await this.reload();
    return { key_id: next.keyId, previous_key_id: previous.keyId, previous_not_after: notAfter };
  }
}

async function loadKey(env: NodeJS.ProcessEnv, keychain: Keychain): Promise<{ pair: SigningKeyPair; source: 'env' | 'keychain' }> {
  const fromEnv = env[SIGNING_KEY_ENV]?.trim();
  if (fromEnv) {
    try {
      return { pair: signingKeyFromSeed(fromEnv), source: 'env' };
    } catch {
      throw new SigningKeyError(`${SIGNING_KEY_ENV} is not a base64 32-byte Ed25519 seed: generate one with \`openssl rand -base64 32\`, or unset it to keep the key in the OS keychain.`);
    }
  }
  try {
    const stored = await keychain.get(SIGNING_KEY_ENTRY);
    if (stored) return { pair: signingKeyFromSeed(stored), source: 'keychain' };
    const pair = generateSigningKey();
    await keychain.set(SIGNING_KEY_ENTRY, pair.seed);
    return { pair, source: 'keychain' };
  } catch (err) {
    if (err instanceof KeychainUnavailableError) {
      throw new SigningKeyError(`${keychainAdvice(err, 'the signing key', 'read', false).replace(/\.$/, '')}, or set ${SIGNING_KEY_ENV} to a base64 32-byte seed (\`openssl rand -base64 32\`).`);
    }
    throw err;
  }
}
