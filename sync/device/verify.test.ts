import { describe, expect, it } from 'vitest';
import { endorseKey, generateSigningKey, publicSigningKey, signBytes } from '../signing.js';
import { flipOneByte, signedResponse } from '../../test/helpers/bundles.js';
import { CLOCK_SKEW_MS, verifyPolicyResponse, type VerifyInput } from './verify.js';

const current = generateSigningKey();
const other = generateSigningKey();
const NOW = Date.parse('2030-06-01T00:00:00Z');
const pinned = [publicSigningKey(current)];

const check = (response: unknown, over: Partial<VerifyInput> = {}) =>
  verifyPolicyResponse({ response, pinned, org: 'acme', highest: 3, accept: 'newer', tiers: ['dev', 'prod'], now: NOW, ...over });

const refusal = (r: ReturnType<typeof check>) => (r.ok ? 'accepted' : r.error);

describe('verifyPolicyResponse', () => {
  it('accepts a newer bundle signed by a pinned key', () => {
    const r = check(signedResponse(current, { version: 4 }));
    expect(r.ok).toBe(true);
    if (r.ok) expect([r.bundle.org, r.bundle.version]).toEqual(['acme', 4]);
  });

  it('refuses a bundle with one byte changed', () => {
    const res = signedResponse(current, { version: 4 });
    expect(refusal(check({ ...res, bundle: flipOneByte(res.bundle) }))).toBe(
      `Refused org bundle v4: its signature does not verify with pinned key ${current.keyId}.`,
    );
  });

  it('refuses a bundle signed by a key that is not pinned', () => {
    expect(refusal(check(signedResponse(other, { version: 4 })))).toContain(`signed with key ${other.keyId}, which is neither pinned nor endorsed`);
  });

  it('refuses a bundle whose signature was swapped for that of another key under the pinned key id', () => {
    const forged = signedResponse(other, { version: 4 });
    expect(refusal(check({ ...forged, key_id: current.keyId }))).toContain('signature does not verify');
  });

  it('refuses a stripped signature', () => {
    const { signature: _dropped, ...res } = signedResponse(current, { version: 4 });
    expect(refusal(check(res))).toMatch(/^Refused org bundle v4: the answer is not a signed bundle \(signature:/);
    expect(refusal(check({ ...res, signature: '' }))).toContain('not a signed bundle');
  });

  it('refuses an older validly signed bundle replayed, and the same version again with other bytes', () => {
    expect(refusal(check(signedResponse(current, { version: 2 })))).toContain('version 2 is not above v3, the highest this device has accepted');
    expect(refusal(check(signedResponse(current, { version: 3, devModels: ['"openai/*"'] })))).toContain('version 3 is not above v3');
  });

  it('re-verifies the cached bundle at its own version at start, but not an older one', () => {
    expect(check(signedResponse(current, { version: 3 }), { accept: 'current' }).ok).toBe(true);
    expect(refusal(check(signedResponse(current, { version: 2 }), { accept: 'current' }))).toContain('not above v3');
  });

  it('refuses an expired bundle, and accepts one within the clock-skew tolerance', () => {
    const expiredLongAgo = new Date(NOW - CLOCK_SKEW_MS - 1000).toISOString();
    expect(refusal(check(signedResponse(current, { version: 4, expires: expiredLongAgo })))).toBe(`Refused org bundle v4: it expired at ${expiredLongAgo}.`);
    const justExpired = new Date(NOW - CLOCK_SKEW_MS + 1000).toISOString();
    expect(check(signedResponse(current, { version: 4, expires: justExpired })).ok).toBe(true);
    expect(refusal(check(signedResponse(current, { version: 4, expires: null })))).toContain('no expires');
  });

  it('refuses a bundle of another org', () => {
    expect(refusal(check(signedResponse(current, { version: 4, org: 'evil' })))).toContain('it is for org "evil", and this device is enrolled in "acme"');
  });

  it('refuses a validly signed bundle that fails the schema or lacks a tier the gateway evaluates', () => {
    const res = signedResponse(current, { version: 4 });
    expect(refusal(check(res, { tiers: ['dev', 'staging'] }))).toContain('has no tier "staging"');
    // Signed over exactly this text, as a central gateway that signed a broken bundle would send it.
    const text = res.bundle.replace('apiVersion: gatehouse/v1', 'apiVersion: gatehouse/v9');
    expect(refusal(check({ ...res, bundle: text, signature: signBytes(current, text) }))).toContain('does not pass the policy schema');
  });

  it('follows an endorsement chain from a pinned key, and returns the keys to pin', () => {
    const next = generateSigningKey();
    const third = generateSigningKey();
    const endorsements = [endorseKey(next, publicSigningKey(third)), endorseKey(current, publicSigningKey(next))];
    const r = check(signedResponse(third, { version: 4 }, { endorsements }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.keys.map((k) => k.key_id)).toEqual([current.keyId, next.keyId, third.keyId]);
    // Without the link from the pinned key, the chain proves nothing.
    expect(refusal(check(signedResponse(third, { version: 4 }, { endorsements: [endorsements[0]!] })))).toContain('neither pinned nor endorsed');
  });

  it('refuses a bundle signed by an endorsed key past its not_after, and an endorsement by a pinned key past its own', () => {
    const next = generateSigningKey();
    const ended = publicSigningKey(next, new Date(NOW - 1000).toISOString());
    expect(refusal(check(signedResponse(next, { version: 4 }, { endorsements: [endorseKey(current, ended)] })))).toContain('whose window ended');
    const pinnedEnded = [publicSigningKey(current, new Date(NOW - 1000).toISOString())];
    const r = check(signedResponse(next, { version: 4 }, { endorsements: [endorseKey(current, publicSigningKey(next))] }), { pinned: pinnedEnded });
    expect(refusal(r)).toContain('neither pinned nor endorsed');
  });
});
