import type { KeyEndorsement, SigningKey } from '../protocol.js';
import { endorseKey, generateSigningKey, isPastEnd, publicSigningKey, signBytes, type SigningKeyPair } from '../signing.js';
import type { KeyProvider } from './key-provider.js';
import type { CentralStorage, PolicyRow, SigningKeyRow } from './storage.js';

export { SIGNING_KEY_ENTRY, SIGNING_KEY_ENV, SigningKeyError } from './key-provider.js';

/** How long a rotated-out key stays valid by default, so devices polling late still verify. */
export const DEFAULT_OVERLAP_MS = 7 * 24 * 3600_000;

/**
 * The org's signing keys. The current private seed lives only here, in memory, read from
 * its key provider (`key-provider.ts`: the environment, a file, the OS keychain); storage
 * holds the public records.
 */
export class Signer {
  private keys: SigningKeyRow[] = [];

  private constructor(
    private pair: SigningKeyPair,
    private readonly provider: KeyProvider,
    private readonly storage: CentralStorage,
    private readonly clock: () => number,
  ) {}

  /** Loads the current key (a provider that can store one makes it at first start) and records its public half. */
  static async open(storage: CentralStorage, provider: KeyProvider, clock: () => number): Promise<Signer> {
    const pair = await provider.load();
    const signer = new Signer(pair, provider, storage, clock);
    await storage.addSigningKey({ ...publicSigningKey(pair), createdAt: clock(), endorsement: null });
    await signer.reload();
    return signer;
  }

  get source(): KeyProvider['source'] {
    return this.provider.source;
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
   * Rotates to a fresh key: stored by the key provider, endorsed by the current key, which
   * stays valid for `overlapMs`; `resign` re-signs the latest bundle with the new key. Refused
   * (by the provider) when the key comes from the environment, which this process cannot change.
   */
  async rotate(overlapMs: number, resign: (next: SigningKeyPair) => PolicyRow | null): Promise<{ key_id: string; previous_key_id: string; previous_not_after: string }> {
    const next = generateSigningKey();
    const now = this.clock();
    const previous = this.pair;
    const notAfter = new Date(now + overlapMs).toISOString();
    const endorsement = endorseKey(previous, publicSigningKey(next));
    await this.provider.store(next);
    const policy = resign(next);
    await this.storage.rotateKey({ key: { ...publicSigningKey(next), createdAt: now, endorsement }, previousKeyId: previous.keyId, previousNotAfter: notAfter, policy });
    this.pair = next;
    await this.reload();
    return { key_id: next.keyId, previous_key_id: previous.keyId, previous_not_after: notAfter };
  }
}
