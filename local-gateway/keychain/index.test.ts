import { afterAll, describe, expect, it } from 'vitest';
import { testKeychain } from '../../test/helpers/keychain.js';
import { forgetSecret, knownSecret, loadSecret, resolveSecret } from '../providers/secrets.js';
import { knownSecrets } from '../core/redact.js';
import { KeychainUnavailableError, keychainAdvice, openKeychain } from './index.js';

const kc = await testKeychain('local-gateway/keychain/index.test.ts');

describe('keychain switched off', () => {
  it('is unreachable, says why in one sentence, and never falls back', async () => {
    const off = openKeychain({ GATEHOUSE_KEYCHAIN: 'off' });
    const err = await off.get('openai').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainUnavailableError);
    expect(() => off.getSync('openai')).toThrow(KeychainUnavailableError);
    expect(await off.probe()).toMatchObject({ ok: false, reason: 'unreachable' });
    const advice = keychainAdvice(err as KeychainUnavailableError, 'the key "openai"');
    expect(advice).toMatch(/^No OS keychain is reachable \(GATEHOUSE_KEYCHAIN=off\), so the key "openai" cannot be read: .* env:NAME in gatehouse\.yaml instead\.$/);
    expect(advice.split('. ')).toHaveLength(1);
  });

  it('a keychain: reference becomes a coded 503 whose message names the fix', async () => {
    const env = { GATEHOUSE_KEYCHAIN: 'off' };
    const err = (await loadSecret('openai', 'keychain:openai', env).catch((e: unknown) => e)) as { code: string; statusCode: number; message: string };
    expect(err).toMatchObject({ code: 'GH_ERR_KEYCHAIN_UNAVAILABLE', statusCode: 503 });
    expect(err.message).toContain('the key "openai" of provider "openai" cannot be read');
    expect(() => resolveSecret('openai', 'keychain:openai', env)).toThrow(/cannot be read/);
  });
});

describe.skipIf(!kc.available)('keychain on a real Secret Service', () => {
  afterAll(() => kc.cleanup());

  it('stores, reads, probes and deletes under its own service', async () => {
    expect(await kc.keychain.get('absent')).toBeNull();
    await kc.keychain.set('openai', 'sk-unit-value-1234567890');
    expect(await kc.keychain.get('openai')).toBe('sk-unit-value-1234567890');
    expect(kc.keychain.getSync('openai')).toBe('sk-unit-value-1234567890');
    // The developer's own service is untouched.
    expect(kc.keychain.service).not.toBe('gatehouse');
    expect(await kc.keychain.probe()).toEqual({ ok: true, reason: null, detail: null });
    expect(await kc.keychain.delete('openai')).toBe(true);
    expect(await kc.keychain.delete('openai')).toBe(false);
  });

  it('resolves keychain: references once, masks them from then on, and re-reads after forgetSecret', async () => {
    await kc.keychain.set('prov', 'sk-first-unit-value-abcdef');
    expect(knownSecret('keychain:prov', kc.env)).toBeNull();
    // Concurrent first uses share one read.
    const [a, b] = await Promise.all([loadSecret('p', 'keychain:prov', kc.env), loadSecret('p', 'keychain:prov', kc.env)]);
    expect([a, b]).toEqual(['sk-first-unit-value-abcdef', 'sk-first-unit-value-abcdef']);
    expect(knownSecrets()).toContain('sk-first-unit-value-abcdef');
    await kc.keychain.set('prov', 'sk-second-unit-value-abcdef');
    // Cached: the keychain is not read again on the request path...
    expect(resolveSecret('p', 'keychain:prov', kc.env)).toBe('sk-first-unit-value-abcdef');
    // ...until it is told to.
    forgetSecret('keychain:prov', kc.env);
    expect(resolveSecret('p', 'keychain:prov', kc.env)).toBe('sk-second-unit-value-abcdef');
    const missing = (await loadSecret('p', 'keychain:nothing-here', kc.env).catch((e: unknown) => e)) as { code: string; message: string };
    expect(missing.code).toBe('GH_ERR_PROVIDER_KEY_MISSING');
    expect(missing.message).toContain('gatehouse keys set nothing-here');
  });
});
