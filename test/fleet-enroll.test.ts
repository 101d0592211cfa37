import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetView } from '../sync/protocol.js';
import { startCentral, type TestCentral } from './helpers/central.js';
import { runCliAsync } from './helpers/cli.js';

let central: TestCentral;
let home: string;

beforeAll(async () => {
  central = await startCentral({ org: 'acme' });
  home = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-enroll-'));
});
afterAll(async () => {
  await central?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('gatehouse enroll without a keychain', () => {
  it('refuses before the central gateway hears of the device, and says how to enroll instead', async () => {
    const { pat } = await central.createPat('ada', 'payments');
    // runCli turns the keychain off: the PAT on stdin has nowhere to go.
    const r = await runCliAsync(['enroll', '--central', central.url, '--home', home], {}, `${pat}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No OS keychain is reachable');
    expect(r.stderr).toContain('set GATEHOUSE_PAT for this command and the gateway');
    expect(r.stderr).not.toContain(pat);
    // No device was registered that would show as NEVER in the fleet view for ever.
    expect((await central.adminJson<FleetView>('/v1/admin/fleet')).devices).toEqual([]);

    const ok = await runCliAsync(['enroll', '--central', central.url, '--home', home], { GATEHOUSE_PAT: pat });
    expect(ok.code).toBe(0);
    expect((await central.adminJson<FleetView>('/v1/admin/fleet')).devices).toHaveLength(1);
  });
});
