import { describe, expect, it } from 'vitest';
import { endorseKey, generateSigningKey, keyIdOf, publicSigningKey, signBytes, signingKeyFromSeed, verifyBytes, verifyEndorsement } from './signing.js';

describe('policy signing', () => {
  const key = generateSigningKey();
  const bundle = '{"apiVersion":"gatehouse/v1","org":"acme","version":3}';

  it('verifies the exact bytes it signed and nothing else', () => {
    const sig = signBytes(key, bundle);
    expect(verifyBytes(key.publicKey, bundle, sig)).toBe(true);
    expect(verifyBytes(key.publicKey, bundle.replace('3', '4'), sig)).toBe(false);
    expect(verifyBytes(key.publicKey, `${bundle} `, sig)).toBe(false);
    expect(verifyBytes(generateSigningKey().publicKey, bundle, sig)).toBe(false);
    expect(verifyBytes(key.publicKey, bundle, '')).toBe(false);
    expect(verifyBytes('not a key', bundle, sig)).toBe(false);
  });

  it('rebuilds the same key pair from its seed, and names it by its public key', () => {
    const again = signingKeyFromSeed(key.seed);
    expect(again.publicKey).toBe(key.publicKey);
    expect(again.keyId).toBe(keyIdOf(key.publicKey));
    expect(again.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(() => signingKeyFromSeed(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });

  it('trusts a rotated key only when a trusted, unexpired key endorsed it', () => {
    const next = generateSigningKey();
    const now = Date.parse('2026-12-01T00:00:00Z');
    const endorsement = endorseKey(key, publicSigningKey(next));
    expect(verifyEndorsement(endorsement, [publicSigningKey(key)], now)?.key_id).toBe(next.keyId);
    // Endorsed by a key the device does not trust.
    expect(verifyEndorsement(endorsement, [publicSigningKey(generateSigningKey())], now)).toBeNull();
    // The endorsing key's overlap window has ended.
    expect(verifyEndorsement(endorsement, [publicSigningKey(key, '2026-11-30T00:00:00Z')], now)).toBeNull();
    // The endorsed key was swapped after signing.
    const swapped = { ...endorsement, key: publicSigningKey(generateSigningKey()) };
    expect(verifyEndorsement(swapped, [publicSigningKey(key)], now)).toBeNull();
  });
});
