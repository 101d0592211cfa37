import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyEndorsement, SigningKey } from './protocol.js';

/**
 * Ed25519 for policy bundles: the central gateway signs the exact bytes it serves, the
 * device verifies those bytes against a key it pinned at enrollment before it parses them.
 * Keys travel as raw 32-byte values in base64; a private key as its 32-byte seed, which is
 * what `GATEHOUSE_SIGNING_KEY` or the keychain entry holds.
 */

/** DER prefixes that turn a raw Ed25519 key into SPKI / PKCS#8, the forms node:crypto imports. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface SigningKeyPair {
  keyId: string;
  /** Raw public key, base64. */
  publicKey: string;
  /** Raw 32-byte seed, base64: a secret, kept in the keychain or env only. */
  seed: string;
}

/** The key id: the first 16 hex digits of the sha256 of the raw public key. */
export function keyIdOf(publicKeyBase64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex').slice(0, 16);
}

export function generateSigningKey(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const rawPublic = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const pub = rawPublic.toString('base64');
  return { keyId: keyIdOf(pub), publicKey: pub, seed: seed.toString('base64') };
}

/** Rebuilds the key pair from its seed (as stored in the keychain or env). */
export function signingKeyFromSeed(seedBase64: string): SigningKeyPair {
  const seed = Buffer.from(seedBase64, 'base64');
  if (seed.length !== 32) throw new Error('an Ed25519 signing key seed is 32 bytes, base64-encoded');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const rawPublic = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const pub = rawPublic.toString('base64');
  return { keyId: keyIdOf(pub), publicKey: pub, seed: seedBase64 };
}

function privateKeyOf(pair: SigningKeyPair): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(pair.seed, 'base64')]), format: 'der', type: 'pkcs8' });
}

function publicKeyOf(publicKeyBase64: string): KeyObject | null {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (raw.length !== 32) return null;
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Signs bytes (a bundle's UTF-8 text); the signature as base64. */
export function signBytes(pair: SigningKeyPair, bytes: Uint8Array | string): string {
  return sign(null, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, privateKeyOf(pair)).toString('base64');
}

/** Whether `signature` is a valid Ed25519 signature of `bytes` by the public key. Never throws. */
export function verifyBytes(publicKeyBase64: string, bytes: Uint8Array | string, signatureBase64: string): boolean {
  try {
    const key = publicKeyOf(publicKeyBase64);
    if (key === null) return false;
    const sig = Buffer.from(signatureBase64, 'base64');
    if (sig.length !== 64) return false;
    return verify(null, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, key, sig);
  } catch {
    return false;
  }
}

/** What an endorsement signs: the new key's id, public key and end, in a form that cannot be confused with a bundle. */
export function endorsementPayload(key: SigningKey): string {
  return `gatehouse-key-endorsement:v1\n${key.key_id}\n${key.public_key}\n${key.not_after ?? ''}`;
}

/** The current key endorses the next one (key rotation). */
export function endorseKey(current: SigningKeyPair, next: SigningKey): KeyEndorsement {
  return { key: next, endorsed_by: current.keyId, signature: signBytes(current, endorsementPayload(next)) };
}

/** Checks an endorsement against the keys already trusted; the endorsed key when it holds, else null. */
export function verifyEndorsement(e: KeyEndorsement, trusted: readonly SigningKey[], now: number): SigningKey | null {
  const by = trusted.find((k) => k.key_id === e.endorsed_by);
  if (!by || isPastEnd(by, now)) return null;
  if (keyIdOf(e.key.public_key) !== e.key.key_id) return null;
  return verifyBytes(by.public_key, endorsementPayload(e.key), e.signature) ? e.key : null;
}

/** Whether a key's overlap window has ended. */
export function isPastEnd(key: SigningKey, now: number): boolean {
  return key.not_after !== null && Date.parse(key.not_after) < now;
}

export function publicSigningKey(pair: SigningKeyPair, notAfter: string | null = null): SigningKey {
  return { key_id: pair.keyId, public_key: pair.publicKey, not_after: notAfter };
}
