import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncCycleResult } from '../local-gateway/admin/schemas.js';
import { ensureHome } from '../local-gateway/core/home.js';
import { openKeychain } from '../local-gateway/keychain/index.js';
import { enroll } from '../sync/device/enrollment.js';
import { PATHS } from '../sync/protocol.js';
import { bundleText } from './helpers/bundles.js';
import { startCentral, type TestCentral } from './helpers/central.js';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';
import { testKeychain } from './helpers/keychain.js';

/** The central keeps a rotated key in the OS keychain, so rotation needs a real Secret Service. */
const kc = await testKeychain('test/fleet-rotation.test.ts');

let central: TestCentral | undefined;
let gw: TestGateway | undefined;
const home = mkdtempSync(join(tmpdir(), 'gatehouse-rotation-'));
let now = Date.parse('2030-01-01T00:00:00Z');

afterAll(async () => {
  await gw?.close();
  await central?.close();
  await kc.cleanup();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!kc.available)('signing key rotation on the device', () => {
  it('pins the next key through the endorsement of the pinned one, and keeps verifying after the old key ends', async () => {
    central = await startCentral({ org: 'acme', keychain: kc.keychain, clock: () => now, keyOverlapMs: 3600_000 });
    const { pat } = await central.createPat('ada', 'platform');
    await central.publish(bundleText({ version: 0 }));
    const e = await enroll({ paths: ensureHome(home), centralUrl: central.url, pat, patSource: 'env', keychain: openKeychain({ GATEHOUSE_KEYCHAIN: 'off' }) });
    gw = await startGateway({}, { GATEHOUSE_PAT: pat }, { home, sync: { clock: () => now } });
    const sync = async () => (await (await fetch(`${gw!.url}/api/sync`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as SyncCycleResult;
    expect((await sync()).policy).toMatchObject({ outcome: 'applied', version: 1 });

    const rotated = (await (await central.admin(PATHS.adminKeysRotate, { method: 'POST' })).json()) as { key_id: string; previous_key_id: string };
    expect(rotated.previous_key_id).toBe(e.signing_keys[0]!.key_id);
    expect((await sync()).policy).toMatchObject({ outcome: 'applied', version: 2 });
    const pinned = JSON.parse(readFileSync(join(home, 'enrollment.json'), 'utf8')) as { signing_keys: { key_id: string }[] };
    expect(pinned.signing_keys.map((k) => k.key_id)).toEqual([rotated.previous_key_id, rotated.key_id]);

    // Past the overlap window the old key and its endorsements are gone; the pinned new key alone verifies.
    now += 2 * 3600_000;
    await central.publish(bundleText({ version: 0, devModels: ['"demo/*"'] }));
    expect((await sync()).policy).toMatchObject({ outcome: 'applied', version: 3 });
  });
});
