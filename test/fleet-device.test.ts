import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SyncCycleResult, SyncStatus } from '../local-gateway/admin/schemas.js';
import type { PolicyView } from '../local-gateway/policy/view.js';
import type { FleetView, PolicyResponse } from '../sync/protocol.js';
import { generateSigningKey, signBytes } from '../sync/signing.js';
import type { SyncTimers } from '../sync/device/index.js';
import { bundleText, flipOneByte, type BundleFields } from './helpers/bundles.js';
import { startCentral, type TestCentral } from './helpers/central.js';
import { runCliAsync } from './helpers/cli.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { startTamperProxy, type TamperProxy } from './helpers/tamper-proxy.js';

/** Timers the test fires by hand: the poller's interval is asserted, never waited for. */
function manualTimers() {
  const pending: { fn: () => void; ms: number }[] = [];
  const timers: SyncTimers = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms };
      pending.push(t);
      return t;
    },
    clearTimeout: (h) => void pending.splice(pending.indexOf(h as (typeof pending)[number]), 1),
  };
  return { timers, pending, fire: () => pending.shift()!.fn() };
}

let central: TestCentral;
let proxy: TamperProxy;
let home: string;
let gw: TestGateway;
let pat: string;
/** The central's clock and the device's: apart only when a test moves the device's on. */
let centralNow = Date.parse('2030-01-01T00:00:00Z');
let deviceNow = centralNow;
const manual = manualTimers();

const start = () => startGateway({}, { GATEHOUSE_PAT: pat }, { home, sync: { timers: manual.timers, clock: () => deviceNow } });
/** Publishes through the central's admin API; the central assigns the version. */
const publish = async (f: Partial<BundleFields> = {}) => (await central.publish(bundleText({ version: 0, ...f }))).version;
const post = async <T>(path: string): Promise<T> => (await (await fetch(gw.url + path, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as T;
const syncNow = () => post<SyncCycleResult>('/api/sync');
const policy = () => gw.api<PolicyView>('/api/policy');
const device = async () => (await central.adminJson<FleetView>('/v1/admin/fleet')).devices[0]!;

beforeAll(async () => {
  central = await startCentral({ org: 'acme', clock: () => centralNow });
  pat = (await central.createPat('ada', 'platform')).pat;
  proxy = await startTamperProxy(central.url);
  home = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-'));
  gw = await start();
});

afterAll(async () => {
  await gw.close();
  await proxy.close();
  await central.close();
  rmSync(home, { recursive: true, force: true });
});

afterEach(() => proxy.tamper(null));

describe('device side of fleet sync', () => {
  it('enrolls from the CLI with GATEHOUSE_PAT, and the next cycle applies the signed org policy and ACKs it', async () => {
    const before = await policy();
    expect([before.source, before.last_sync]).toEqual(['builtin', null]);
    expect(await publish()).toBe(1);
    const r = await runCliAsync(['enroll', '--central', proxy.url, '--home', home, '--json'], { GATEHOUSE_PAT: pat });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { org: string; device_id: string; pat_source: string; signing_key_ids: string[] };
    expect(out).toMatchObject({ org: 'acme', pat_source: 'env' });
    expect(out.signing_key_ids).toHaveLength(1);
    expect(readFileSync(join(home, 'enrollment.json'), 'utf8')).not.toContain(pat);

    const cycle = await syncNow();
    expect(cycle.policy).toEqual({ outcome: 'applied', version: 1, error: null });
    const view = await policy();
    expect(view).toMatchObject({ source: 'org', org: 'acme', version: 1, last_error: null, last_sync: { outcome: 'applied', version: 1, error: null } });
    expect(await device()).toMatchObject({ device_id: out.device_id, user: 'ada', applied_version: 1, state: 'SYNCED', last_error: null });
    const served = proxy.served.at(-1) as PolicyResponse;
    expect(JSON.parse(readFileSync(join(home, 'org-policy.json'), 'utf8'))).toMatchObject({ version: 1, bundle: served.bundle, signature: served.signature });

    const status = (await gw.api<{ sync: SyncStatus }>('/api/status')).sync;
    expect(status).toMatchObject({ enrollment: { device_id: out.device_id, org: 'acme', user: 'ada', central_url: proxy.url }, policy: { source: 'org', version: 1 }, outbox: { depth: 0 } });
    // The ETag is remembered: nothing new is a 304, and still an ACK (the fleet view's heartbeat).
    expect((await syncNow()).policy).toEqual({ outcome: 'unchanged', version: 1, error: null });
  });

  const attacks: [string, (b: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
    ['one byte changed', (b) => ({ ...b, bundle: flipOneByte(b.bundle as string) }), /signature does not verify with pinned key/],
    ['signed by another key', (b) => {
      const k = generateSigningKey();
      return { ...b, signature: signBytes(k, b.bundle as string), key_id: k.keyId };
    }, /neither pinned nor endorsed/],
    ['signature stripped', ({ signature: _s, ...b }) => b, /not a signed bundle \(signature/],
  ];

  it.each(attacks)('refuses a bundle with %s, NACKs it with the reason and keeps the last good one', async (_name, fn, reason) => {
    // v2 is published once; each attack tampers with the same answer.
    if ((await central.adminJson<FleetView>('/v1/admin/fleet')).latest_version === 1) await publish({ devModels: ['"openai/*"'] });
    proxy.tamper(fn);
    const cycle = await syncNow();
    expect(cycle.policy.outcome).toBe('rejected');
    expect(cycle.policy.error).toMatch(reason);
    expect(cycle.policy.error).toContain('the last good policy (v1) stays in force');
    const view = await policy();
    expect(view).toMatchObject({ source: 'org', version: 1, last_error: { message: cycle.policy.error } });
    const d = await device();
    expect(d).toMatchObject({ state: 'REJECTED', applied_version: 1, rejected_version: 2 });
    expect(d.last_error).toMatch(reason);
    expect(d.last_error).toBe(cycle.policy.error);
  });

  it('applies the genuine v2, then refuses an older validly signed bundle replayed', async () => {
    expect((await syncNow()).policy).toEqual({ outcome: 'applied', version: 2, error: null });
    expect((await device()).state).toBe('SYNCED');
    const v1 = proxy.served.find((b) => b.version === 1)!;
    proxy.tamper(() => ({ ...v1 }));
    const cycle = await syncNow();
    expect(cycle.policy).toMatchObject({ outcome: 'rejected', version: 1 });
    expect(cycle.policy.error).toContain('version 1 is not above v2');
    expect((await policy()).version).toBe(2);
    // A replay is an attack on this device: REJECTED with the reason, though the refused version is older than the latest.
    const d = await device();
    expect(d).toMatchObject({ state: 'REJECTED', applied_version: 2, rejected_version: 1 });
    expect(d.last_error).toContain('not above v2');
    expect(d.last_error).toBe(cycle.policy.error);
    // It stays REJECTED until the device next ACKs: the genuine v2 again (a 304) is that ACK.
    expect((await device()).state).toBe('REJECTED');
    proxy.tamper(null);
    expect((await syncNow()).policy).toEqual({ outcome: 'unchanged', version: 2, error: null });
    expect(await device()).toMatchObject({ state: 'SYNCED', applied_version: 2, last_error: null });
  });

  it('refuses an expired bundle (a freeze: the device clock has moved past its expiry)', async () => {
    // The bundle the central serves expires in a day; the device's clock is two days on.
    expect(await publish({ expires: new Date(centralNow + 24 * 3600_000).toISOString() })).toBe(3);
    deviceNow = centralNow + 2 * 24 * 3600_000;
    const refused = await syncNow();
    expect(refused.policy).toMatchObject({ outcome: 'rejected', version: 3 });
    expect(refused.policy.error).toMatch(/it expired at 2030-01-02T00:00:00(\.000)?Z; the last good policy \(v2\) stays in force/);
    expect((await policy()).version).toBe(2);
    const d = await device();
    expect(d).toMatchObject({ state: 'REJECTED', applied_version: 2, rejected_version: 3 });
    expect(d.last_error).toBe(refused.policy.error);
    centralNow = deviceNow;
    expect(await publish()).toBe(4);
    expect((await syncNow()).policy).toMatchObject({ outcome: 'applied', version: 4 });
    // The same bytes again (no ETag sent) are unchanged, not a replay.
    proxy.tamper((b) => b);
    expect((await syncNow()).policy).toMatchObject({ outcome: 'unchanged', version: 4 });
  });

  it('refuses a bundle edited on the device disk at restart, NACKs it, and never runs it', async () => {
    await gw.close();
    const file = join(home, 'org-policy.json');
    const cache = JSON.parse(readFileSync(file, 'utf8')) as { bundle: string };
    writeFileSync(file, JSON.stringify({ ...cache, bundle: cache.bundle.replace('"*"', '"openai/*"') }));
    const reportsBefore = proxy.reports.length;
    // The central gateway fails at this start: the refusal must stand on its own.
    proxy.tamper(() => 503);
    gw = await start();
    await waitFor(() => proxy.reports.length > reportsBefore, 'the NACK of the cached bundle');
    await waitFor(async () => (await policy()).last_sync !== null, 'the first cycle to end');
    const view = await policy();
    expect(view.source).toBe('builtin');
    expect(view.last_error?.message).toMatch(/cached org bundle v4: its signature does not verify.*built-in permissive tier is in force/);
    expect(view.last_sync).toMatchObject({ outcome: 'error' });
    // The next cycle pulls the genuine bundle again.
    proxy.tamper(null);
    const nacked = await device();
    expect(nacked).toMatchObject({ state: 'REJECTED', rejected_version: 4 });
    expect(nacked.last_error).toContain('changed on disk');
    expect((await syncNow()).policy).toMatchObject({ outcome: 'applied', version: 4 });
    const sent = proxy.reports.slice(reportsBefore);
    expect(sent[0]).toMatchObject({ rejected_version: 4 });
    expect(await policy()).toMatchObject({ source: 'org', version: 4 });
    expect((await device()).state).toBe('SYNCED');
  });

  it('picks up a new policy within one jittered interval, set by the bundle', async () => {
    expect(await publish({ intervalSeconds: 30 })).toBe(5);
    await syncNow();
    await gw.close();
    manual.pending.splice(0);
    gw = await start();
    await waitForTimer();
    // The interval in force: the poller's next timer lies within ±10% of it.
    const scheduled = manual.pending[0]!.ms;
    expect(scheduled).toBeGreaterThanOrEqual(27_000);
    expect(scheduled).toBeLessThanOrEqual(33_000);
    expect(await publish({ intervalSeconds: 30 })).toBe(6);
    manual.fire();
    await waitForTimer();
    expect((await policy()).version).toBe(6);
    expect((await device()).applied_version).toBe(6);
  });

  it('joins a concurrent sync to the running one', async () => {
    proxy.tamper((b) => b);
    const before = proxy.served.length;
    const [a, b] = await Promise.all([syncNow(), syncNow()]);
    expect(a).toEqual(b);
    expect(proxy.served.length - before).toBe(1);
  });

  it('unenrolls from the CLI: the enrollment, the org cache and the org policy go, the highest version stays', async () => {
    const r = await runCliAsync(['unenroll', '--home', home, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ unenrolled: true, org: 'acme' });
    await syncNow();
    expect(await policy()).toMatchObject({ source: 'builtin', version: null });
    expect(JSON.parse(readFileSync(join(home, 'policy-state.json'), 'utf8'))).toEqual({ highest: { acme: 6 } });
    expect((await gw.api<{ sync: SyncStatus }>('/api/status')).sync.enrollment).toBeNull();
  });
});

/** Waits until the poller has scheduled its next timer (the cycle before it finished). */
const waitForTimer = () => waitFor(() => manual.pending.length > 0, 'the next poll to be scheduled');
