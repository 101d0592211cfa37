import { findCredentialsAsync } from '@napi-rs/keyring';
import { randomBytes } from 'node:crypto';
import { openKeychain, type Keychain } from '../../local-gateway/keychain/index.js';

export interface TestKeychain {
  /** False when no Secret Service is reachable; the tests that need one then skip. */
  available: boolean;
  /** Environment that points Gatehouse at this test's own keychain service. */
  env: { GATEHOUSE_KEYCHAIN_SERVICE: string; GATEHOUSE_KEYCHAIN: string };
  keychain: Keychain;
  /** Deletes every entry made under the test's service. */
  cleanup(): Promise<void>;
}

/**
 * A keychain service of the test's own, so a test never reads or writes the developer's
 * `gatehouse` entries. CI runs inside a D-Bus session with an unlocked gnome-keyring and sets
 * GATEHOUSE_TEST_KEYCHAIN=required: there a missing Secret Service fails the run instead of
 * skipping. A plain `npm test` on a machine without one skips with a printed reason.
 */
export async function testKeychain(file: string): Promise<TestKeychain> {
  const service = `gatehouse-test-${randomBytes(5).toString('hex')}`;
  const env = { GATEHOUSE_KEYCHAIN_SERVICE: service, GATEHOUSE_KEYCHAIN: '' };
  const keychain = openKeychain(env, 10_000);
  const probe = await keychain.probe();
  if (!probe.ok) {
    const reason = `no usable Secret Service (${probe.reason}: ${probe.detail}); run inside dbus-run-session with an unlocked gnome-keyring, as .ci/run does`;
    if (process.env.GATEHOUSE_TEST_KEYCHAIN === 'required') throw new Error(`${file}: ${reason}`);
    console.warn(`${file}: keychain tests skipped: ${reason}`);
  }
  return {
    available: probe.ok,
    env,
    keychain,
    async cleanup() {
      if (!probe.ok) return;
      for (const c of await findCredentialsAsync(service)) await keychain.delete(c.account);
    },
  };
}
