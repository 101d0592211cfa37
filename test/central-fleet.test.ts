import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import {
  EnrollResponseSchema, FleetViewSchema, PATHS, PolicyResponseSchema, RecordsAckSchema, SyncErrorSchema, WhoamiSchema, type SyncRecord,
} from '../sync/protocol.js';
import { verifyBytes } from '../sync/signing.js';
import { startCentral, testBundle, type TestCentral } from './helpers/central.js';
import { centralBackends } from './helpers/services.js';

const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

function record(seq: number, extra: Partial<SyncRecord> = {}): SyncRecord {
  return {
    record_id: uuidv7(), seq, trace_id: `t${seq}`, started_at: Date.UTC(2026, 4, 1, 12), duration_ms: 3, api: 'chat.completions', tier: 'dev',
    status: 200, error_code: null, requested_model: 'demo/echo', resolved_model: 'demo/echo', provider: 'demo', user: 'ada', team: 'payments',
    metadata: {}, policy_version: 1, usage: { tokens_in: 10, tokens_out: 5, tokens_cached: null, tokens_reasoning: null, cost_usd: 0.01 }, verdicts: [],
    ...extra,
  };
}

describe.each(centralBackends('test/central-fleet.test.ts'))('central gateway on $name: the fleet endpoints', ({ url: storage }) => {
  let c: TestCentral;
  let now = Date.UTC(2026, 4, 1, 12);
  let pat: string;
  let patId: string;
  let deviceId: string;
  let pinned: { key_id: string; public_key: string }[];
  const asDevice = (path: string, init: RequestInit = {}) =>
    fetch(c.url + path, { ...init, headers: { authorization: `Bearer ${pat}`, ...(init.headers as Record<string, string> | undefined) } });

  beforeAll(async () => {
    c = await startCentral({ clock: () => now, storage });
    ({ pat, pat_id: patId } = await c.createPat('ada', 'payments'));
  });
  afterAll(async () => c.close());

  it('creates a PAT shown once, and whoami names its owner', async () => {
    expect(pat).toMatch(/^gh_pat_[A-Za-z0-9_-]{43}$/);
    // The org the central was started with, before anything is published: never a placeholder.
    const who = WhoamiSchema.parse(await (await asDevice(PATHS.whoami)).json());
    expect(who).toEqual({ user: 'ada', team: 'payments', org: 'acme' });
    const unknown = await fetch(c.url + PATHS.whoami, { headers: { authorization: 'Bearer gh_pat_nope' } });
    expect(unknown.status).toBe(401);
    expect(SyncErrorSchema.parse(await unknown.json()).error.code).toBe('GH_ERR_UNAUTHORIZED');
  });

  it('answers 404 with advice before any policy is published', async () => {
    const enroll = EnrollResponseSchema.parse(await (await asDevice(PATHS.enroll, json({ hostname: 'ada-mbp', platform: 'darwin', gatehouse_version: '0.1.0' }))).json());
    deviceId = enroll.device_id;
    pinned = enroll.signing_keys;
    expect(enroll).toMatchObject({ user: 'ada', team: 'payments' });
    expect(pinned).toHaveLength(1);
    const res = await asDevice(PATHS.policy, { headers: { 'x-gatehouse-device': deviceId } });
    expect(res.status).toBe(404);
    expect(SyncErrorSchema.parse(await res.json()).error).toMatchObject({ code: 'GH_ERR_NO_POLICY' });
  });

  it('publishes a good bundle as the next version, signed over the exact bytes served', async () => {
    const first = await c.publish(testBundle());
    expect(first.version).toBe(1);
    expect(first.expires).toBe(new Date(now + 30 * 86400_000).toISOString());
    const second = await c.publish(testBundle({ metadata: { required: ['ticket_id'] } }, { version: 99 }));
    expect(second.version).toBe(2);
    const res = await asDevice(PATHS.policy, { headers: { 'x-gatehouse-device': deviceId } });
    expect(res.status).toBe(200);
    const body = PolicyResponseSchema.parse(await res.json());
    expect(body.version).toBe(2);
    expect(JSON.parse(body.bundle)).toMatchObject({ version: 2, org: 'acme' });
    expect(verifyBytes(pinned[0]!.public_key, body.bundle, body.signature)).toBe(true);
    expect(body.key_id).toBe(pinned[0]!.key_id);

    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"v2-[0-9a-f]{16}"$/);
    const again = await asDevice(PATHS.policy, { headers: { 'x-gatehouse-device': deviceId, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('refuses a bad bundle with its line and field, and keeps the previous version latest', async () => {
    const bad = 'apiVersion: gatehouse/v1\norg: acme\ntiers:\n  prod:\n    rate_limits:\n      - { id: x, limit: { requests: 5, per: fortnight } }\n';
    const res = await c.admin(PATHS.adminPolicies, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: bad });
    expect(res.status).toBe(400);
    const err = SyncErrorSchema.parse(await res.json()).error;
    expect(err.code).toBe('GH_ERR_INVALID_POLICY');
    expect(err.problems).toEqual([expect.objectContaining({ line: 6, field: 'tiers.prod.rate_limits[0].limit.per' })]);
    const fleet = FleetViewSchema.parse(await c.adminJson(PATHS.adminFleet));
    expect(fleet.latest_version).toBe(2);
  });

  it('shows NEVER, SYNCED after an ACK, REJECTED with the error after a NACK, STALE when behind or silent', async () => {
    const state = async () => FleetViewSchema.parse(await c.adminJson(PATHS.adminFleet)).devices.find((d) => d.device_id === deviceId)!;
    expect((await state()).state).toBe('NEVER');
    const report = (body: unknown) => asDevice(PATHS.status, json(body));
    expect((await report({ device_id: deviceId, applied_version: 2 })).status).toBe(204);
    expect(await state()).toMatchObject({ state: 'SYNCED', applied_version: 2, last_error: null });
    await c.publish(testBundle());
    expect((await report({ device_id: deviceId, rejected_version: 3, error: 'signature does not verify' })).status).toBe(204);
    expect(await state()).toMatchObject({ state: 'REJECTED', rejected_version: 3, last_error: 'signature does not verify', applied_version: 2 });
    expect((await report({ device_id: deviceId, applied_version: 3 })).status).toBe(204);
    expect((await state()).state).toBe('SYNCED');
    now += 3 * 60_000 + 1;
    expect((await state()).state).toBe('STALE');
    await asDevice(PATHS.policy, { headers: { 'x-gatehouse-device': deviceId } });
    expect((await state()).state).toBe('SYNCED');
    await c.publish(testBundle());
    expect((await state()).state).toBe('STALE');
    // A NACK of an older version (a replay) is REJECTED too, and stays so until the next ACK.
    expect((await report({ device_id: deviceId, rejected_version: 1, error: 'version 1 is not above v3' })).status).toBe(204);
    expect(await state()).toMatchObject({ state: 'REJECTED', rejected_version: 1, last_error: 'version 1 is not above v3', applied_version: 3 });
    now += 3 * 60_000 + 1;
    expect((await state()).state).toBe('REJECTED');
    expect((await report({ device_id: deviceId, applied_version: 4 })).status).toBe(204);
    expect(await state()).toMatchObject({ state: 'SYNCED', last_error: null });
  });

  it('ingests records once: a batch sent twice accepts nothing the second time', async () => {
    const batch = { device_id: deviceId, records: [record(1), record(2), record(3)] };
    const first = RecordsAckSchema.parse(await (await asDevice(PATHS.records, json(batch))).json());
    expect(first).toEqual({ accepted: 3, duplicates: 0, gaps: [] });
    const again = await asDevice(PATHS.records, json(batch));
    expect(again.status).toBe(200);
    expect(RecordsAckSchema.parse(await again.json())).toEqual({ accepted: 0, duplicates: 3, gaps: [] });
    const fleet = FleetViewSchema.parse(await c.adminJson(PATHS.adminFleet));
    expect(fleet.devices[0]!.records).toBe(3);
  });

  it('detects gaps, does not count dropped ranges as gaps, and takes gzip bodies', async () => {
    const gapped = { device_id: deviceId, records: [record(4), record(7)], dropped: [] };
    const ack = RecordsAckSchema.parse(await (await asDevice(PATHS.records, json(gapped))).json());
    expect(ack.gaps).toEqual([{ from_seq: 5, to_seq: 6 }]);
    const body = gzipSync(JSON.stringify({ device_id: deviceId, records: [record(6), record(9)], dropped: [{ from_seq: 8, to_seq: 8, reason: 'outbox full' }] }));
    const res = await asDevice(PATHS.records, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
    expect(res.status).toBe(200);
    expect(RecordsAckSchema.parse(await res.json())).toEqual({ accepted: 2, duplicates: 0, gaps: [{ from_seq: 5, to_seq: 5 }] });
    const fleet = FleetViewSchema.parse(await c.adminJson(PATHS.adminFleet));
    expect(fleet.devices[0]!.gaps).toEqual([{ from_seq: 5, to_seq: 5 }]);
  });

  it('refuses a device of another PAT (403), an unknown device (404) and a revoked PAT (401)', async () => {
    const other = await c.createPat('bob', null);
    const asBob = await fetch(c.url + PATHS.records, { ...json({ device_id: deviceId, records: [] }, { authorization: `Bearer ${other.pat}` }) });
    expect(asBob.status).toBe(403);
    expect(SyncErrorSchema.parse(await asBob.json()).error.code).toBe('GH_ERR_DEVICE_FORBIDDEN');
    const unknown = await asDevice(PATHS.policy, { headers: { 'x-gatehouse-device': 'dev_missing' } });
    expect(unknown.status).toBe(404);
    expect(SyncErrorSchema.parse(await unknown.json()).error.message).toMatch(/enroll again/);
    expect((await c.admin(`${PATHS.adminPats}/${other.pat_id}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await fetch(c.url + PATHS.whoami, { headers: { authorization: `Bearer ${other.pat}` } });
    expect(revoked.status).toBe(401);
    expect(SyncErrorSchema.parse(await revoked.json()).error.code).toBe('GH_ERR_PAT_REVOKED');
    expect(patId).toMatch(/^pat_/);
  });

  it('answers hostile input with a 4xx and a readable message', async () => {
    const malformed = await asDevice(PATHS.records, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"device_id": ' });
    expect(malformed.status).toBe(400);
    expect(SyncErrorSchema.parse(await malformed.json()).error).toMatchObject({ code: 'GH_ERR_INVALID_JSON' });
    const wrong = await asDevice(PATHS.records, json({ device_id: deviceId, records: [{ seq: 'one' }] }));
    expect(wrong.status).toBe(400);
    expect(SyncErrorSchema.parse(await wrong.json()).error.message).toMatch(/records\.0/);
    const notGzip = await asDevice(PATHS.records, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'plain' });
    expect(notGzip.status).toBe(400);
    const bomb = gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20));
    const huge = await asDevice(PATHS.records, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(huge.status).toBe(413);
    expect(SyncErrorSchema.parse(await huge.json()).error.code).toBe('GH_ERR_BODY_TOO_LARGE');
  });

  it('requires the admin token on the admin API', async () => {
    const none = await fetch(c.url + PATHS.adminFleet);
    expect(none.status).toBe(401);
    const wrong = await fetch(c.url + PATHS.adminFleet, { headers: { authorization: `Bearer ${pat}` } });
    expect(wrong.status).toBe(401);
    expect(SyncErrorSchema.parse(await wrong.json()).error.message).toMatch(/admin token/);
  });
});
