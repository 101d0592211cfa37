import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncCycleResult } from '../local-gateway/admin/schemas.js';
import type { FleetView } from '../sync/protocol.js';
import { bundleText } from './helpers/bundles.js';
import { startCentral, type TestCentral } from './helpers/central.js';
import { runCliAsync, spawnGateway, type RunningGateway } from './helpers/cli.js';
import { testKeychain } from './helpers/keychain.js';

const kc = await testKeychain('test/fleet-cli.test.ts');

let central: TestCentral;
let pat: string;
let home: string;
let gateway: RunningGateway;
const TOKEN = 'gh_local_fleet_cli_token_0123456789';

beforeAll(async () => {
  central = await startCentral({ org: 'acme' });
  pat = (await central.createPat('grace', 'infra')).pat;
  await central.publish(bundleText({ version: 0 }));
  home = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-cli-'));
  gateway = await spawnGateway(['--home', home], { GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_PAT: pat });
});

afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await new Promise((r) => gateway?.child.once('exit', r));
  await central?.close();
  await kc.cleanup();
  rmSync(home, { recursive: true, force: true });
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}, input = '') => runCliAsync([...args, '--home', home], { GATEHOUSE_TOKEN: TOKEN, ...env }, input);

describe('gatehouse enroll, sync now, status and unenroll against a running gateway and the central gateway', () => {
  it('enrolls a running gateway without a restart, syncs on demand and shows it all in status', async () => {
    const enrolled = await cli(['enroll', '--central', central.url], { GATEHOUSE_PAT: pat });
    expect(enrolled.stderr).toBe('');
    expect(enrolled.stdout).toContain('Enrolled as grace (team infra) in acme');
    expect(enrolled.stdout).toContain('The PAT stays in GATEHOUSE_PAT and was not stored');
    expect(enrolled.stdout).toContain('The running gateway synced: Policy v1 applied.');
    expect(enrolled.stdout).not.toContain(pat);

    const fleet = await central.adminJson<FleetView>('/v1/admin/fleet');
    expect(fleet.devices).toMatchObject([{ user: 'grace', applied_version: 1, state: 'SYNCED' }]);

    await central.publish(bundleText({ version: 0, devModels: ['"demo/*"'] }));
    const now = await cli(['sync', 'now', '--json']);
    expect(now.code).toBe(0);
    expect((JSON.parse(now.stdout) as SyncCycleResult).policy).toEqual({ outcome: 'applied', version: 2, error: null });
    expect((await cli(['sync', 'now'])).stdout).toMatch(/^Policy unchanged \(v2\)\. Records: 0 sent/);

    const status = await cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Policy\s+acme v2 \(org\)/);
    expect(status.stdout).toContain(`Fleet      enrolled in acme at ${central.url} as grace (team infra); device ${fleet.devices[0]!.device_id}`);
    expect(status.stdout).toMatch(/Last sync\s+\S+: unchanged, v2 in force/);
    expect(status.stdout).toContain('Outbox     0 records waiting');
    // The PAT is in no file of the home.
    for (const f of readdirSync(home)) if (!f.endsWith('.db') && !f.includes('journal')) expect(readFileSync(join(home, f), 'utf8')).not.toContain(pat);
  });

  it('says what to do on a refused PAT, a missing PAT and bad usage', async () => {
    const refused = await cli(['enroll', '--central', central.url], { GATEHOUSE_PAT: 'gh_pat_not_a_real_one_0000000000' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^The central gateway refused the enrollment \(401.*Check the PAT/);
    const none = await cli(['enroll', '--central', central.url], { GATEHOUSE_PAT: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No PAT');
    expect((await cli(['enroll'])).code).toBe(2);
    expect((await cli(['enroll', '--central', 'ftp://x'])).code).toBe(2);
    expect((await cli(['sync', 'later'])).code).toBe(2);
  });

  it('unenrolls: the running gateway is back on the built-in policy', async () => {
    const r = await cli(['unenroll']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Unenrolled from acme');
    expect(r.stdout).toContain('on the running gateway');
    expect((await cli(['status'])).stdout).toContain('Fleet      not enrolled (enroll with `gatehouse enroll --central URL`');
    expect((await cli(['sync', 'now'])).stdout).toContain('This device is not enrolled');
  });

  it.skipIf(!kc.available)('keeps the PAT read from stdin in the keychain, and removes it on unenroll', async () => {
    const r = await cli(['enroll', '--central', central.url], { ...kc.env, GATEHOUSE_PAT: '' }, pat);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('The PAT is in the OS keychain.');
    expect(await kc.keychain.get('pat')).toBe(pat);
    expect((await cli(['unenroll'], kc.env)).code).toBe(0);
    expect(await kc.keychain.get('pat')).toBeNull();
  });
});
