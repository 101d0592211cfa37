import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { EnrollResponseSchema, PATHS, PolicyResponseSchema, RecordsPageSchema, RotateKeyResponseSchema, SyncErrorSchema, UsageAnswerSchema, type SyncRecord } from '../sync/protocol.js';
import { generateSigningKey, verifyBytes, verifyEndorsement } from '../sync/signing.js';
import { startCentral, testBundle, type TestCentral } from './helpers/central.js';
import { testKeychain } from './helpers/keychain.js';
import { centralBackends, freshDatabase } from './helpers/services.js';

const DAY = 86400_000;
const T0 = Date.UTC(2026, 4, 1, 9);

function record(seq: number, r: Partial<SyncRecord>): SyncRecord {
  return {
    record_id: uuidv7(), seq, trace_id: `t${seq}`, started_at: T0, duration_ms: 1, api: 'chat.completions', tier: 'dev', status: 200, error_code: null,
    requested_model: 'demo/echo', resolved_model: 'demo/echo', provider: 'demo', user: 'ada', team: 'payments', metadata: {}, policy_version: 1,
    usage: { tokens_in: 10, tokens_out: 1, tokens_cached: null, tokens_reasoning: null, cost_usd: 1 }, verdicts: [], ...r,
  };
}

async function enroll(c: TestCentral, pat: string) {
  const res = await fetch(c.url + PATHS.enroll, { method: 'POST', headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'h', platform: 'linux', gatehouse_version: '0.1.0' }) });
  return EnrollResponseSchema.parse(await res.json());
}

const backends = centralBackends('test/central-admin.test.ts');

describe.each(backends)('central gateway on $name: records and usage aggregates', ({ url: storage }) => {
  let c: TestCentral;
  beforeAll(async () => {
    c = await startCentral({ storage });
    const block = { tier: 'prod', rule: 'metadata.ticket_id', stage: 'metadata', decision: 'block', mode: 'enforce', enforced: false };
    // Each developer's records come from their own device: ingest counts a record for the PAT's user and team.
    const send = async (user: string, team: string, records: SyncRecord[]) => {
      const { pat } = await c.createPat(user, team);
      const { device_id } = await enroll(c, pat);
      const res = await fetch(c.url + PATHS.records, { method: 'POST', headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' }, body: JSON.stringify({ device_id, records }) });
      expect(res.status).toBe(200);
    };
    await send('ada', 'payments', [
      record(1, { metadata: { project: 'checkout' }, verdicts: [block, { ...block, rule: 'pii' }] }),
      record(2, { metadata: { project: 'checkout' }, usage: { tokens_in: 5, tokens_out: 5, tokens_cached: null, tokens_reasoning: null, cost_usd: 2 } }),
    ]);
    await send('bob', 'search', [record(1, { user: 'bob', team: 'search', resolved_model: 'openai/gpt-4o-mini', started_at: T0 + DAY, metadata: { project: 'ranking' } })]);
  });
  afterAll(async () => c.close());

  const usage = async (q: string) => UsageAnswerSchema.parse(await c.adminJson(`${PATHS.adminUsage}?${q}`)).rows;

  it('aggregates by team, user, model, day and a metadata key, counting blocks once per tier', async () => {
    expect(await usage('by=team')).toEqual([
      { key: 'payments', requests: 2, tokens_in: 15, tokens_out: 6, cost_usd: 3, blocked: { prod: 1 } },
      { key: 'search', requests: 1, tokens_in: 10, tokens_out: 1, cost_usd: 1, blocked: {} },
    ]);
    expect((await usage('by=user')).map((r) => [r.key, r.requests])).toEqual([['ada', 2], ['bob', 1]]);
    expect((await usage('by=model')).map((r) => r.key)).toEqual(['demo/echo', 'openai/gpt-4o-mini']);
    expect((await usage('by=day')).map((r) => [r.key, r.requests])).toEqual([['2026-05-01', 2], ['2026-05-02', 1]]);
    expect((await usage('by=metadata.project')).map((r) => [r.key, r.cost_usd])).toEqual([['checkout', 3], ['ranking', 1]]);
    expect((await usage(`by=team&since=${new Date(T0 + DAY).toISOString()}`)).map((r) => r.key)).toEqual(['search']);
  });

  it('answers whole-day bounds and a metadata key some records lack the same way', async () => {
    expect((await usage('by=team&since=2026-05-02T00:00:00Z')).map((r) => r.key)).toEqual(['search']);
    expect(await usage('by=team&until=2026-05-02T00:00:00Z')).toEqual([{ key: 'payments', requests: 2, tokens_in: 15, tokens_out: 6, cost_usd: 3, blocked: { prod: 1 } }]);
    expect(await usage('by=metadata.ticket')).toEqual([{ key: null, requests: 3, tokens_in: 25, tokens_out: 7, cost_usd: 4, blocked: { prod: 1 } }]);
    expect(await usage('by=day&until=2026-05-01T09:00:00.001Z')).toEqual([{ key: '2026-05-01', requests: 2, tokens_in: 15, tokens_out: 6, cost_usd: 3, blocked: { prod: 1 } }]);
  });

  it('refuses an unknown dimension or a bad time with a readable 400', async () => {
    const res = await c.admin(`${PATHS.adminUsage}?by=colour`);
    expect(res.status).toBe(400);
    expect(SyncErrorSchema.parse(await res.json()).error.message).toMatch(/use user, team, model, day or metadata/);
    const since = await c.admin(`${PATHS.adminUsage}?by=team&since=yesterday`);
    expect(since.status).toBe(400);
  });

  it('pages records with a cursor', async () => {
    const first = RecordsPageSchema.parse(await c.adminJson(`${PATHS.adminRecords}?limit=2`));
    expect(first.records.map((r) => `${r.user} ${r.seq}`)).toEqual(['ada 1', 'ada 2']);
    const rest = RecordsPageSchema.parse(await c.adminJson(`${PATHS.adminRecords}?limit=2&cursor=${first.next_cursor}`));
    expect(rest.records.map((r) => `${r.user} ${r.seq}`)).toEqual(['bob 1']);
    expect(rest.next_cursor).toBeNull();
  });
});

const kc = await testKeychain('test/central-admin.test.ts');

describe('central gateway: signing key rotation', () => {
  it('refuses to rotate a key that comes from the environment', async () => {
    const c = await startCentral();
    try {
      const res = await c.admin(PATHS.adminKeysRotate, { method: 'POST' });
      expect(res.status).toBe(409);
      expect(SyncErrorSchema.parse(await res.json()).error.message).toMatch(/GATEHOUSE_SIGNING_KEY/);
    } finally {
      await c.close();
    }
  });

  it.skipIf(!kc.available)('endorses the next key with the current one and re-signs the latest bundle with it', async () => {
    let now = T0;
    const c = await startCentral({ keychain: kc.keychain, clock: () => now });
    try {
      const { pat } = await c.createPat('ada', null);
      const enrolled = await enroll(c, pat);
      await c.publish(testBundle());
      const rotated = RotateKeyResponseSchema.parse(await (await c.admin(PATHS.adminKeysRotate, { method: 'POST' })).json());
      expect(rotated.previous_key_id).toBe(enrolled.signing_keys[0]!.key_id);
      expect(rotated.previous_not_after).toBe(new Date(T0 + 7 * DAY).toISOString());
      const policy = PolicyResponseSchema.parse(await (await fetch(c.url + PATHS.policy, { headers: { authorization: `Bearer ${pat}`, 'x-gatehouse-device': enrolled.device_id } })).json());
      expect(policy).toMatchObject({ version: 2, key_id: rotated.key_id });
      const endorsed = verifyEndorsement(policy.endorsements[0]!, enrolled.signing_keys, now);
      expect(endorsed?.key_id).toBe(rotated.key_id);
      expect(verifyBytes(endorsed!.public_key, policy.bundle, policy.signature)).toBe(true);
      expect(await kc.keychain.get('central-signing-key')).toBeTruthy();
      // Past the overlap the old key is no longer handed out at enrollment.
      now += 8 * DAY;
      expect((await enroll(c, pat)).signing_keys.map((k) => k.key_id)).toEqual([rotated.key_id]);
    } finally {
      await c.close();
      await kc.cleanup();
    }
  });
});

describe.each(backends)('central gateway on $name: restart', ({ url: storage }) => {
  it('keeps PATs, devices and the latest signed version across a restart of the same home', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-central-restart-'));
    const env = { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed };
    const db = storage === 'sqlite' ? null : await freshDatabase(storage);
    const database = db?.url;
    try {
      const first = await startCentral({ home, env, database });
      const { pat } = await first.createPat('ada', 'payments');
      const { device_id } = await enroll(first, pat);
      await first.publish(testBundle());
      const refused = await first.admin(PATHS.adminPolicies, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: testBundle() });
      expect(refused.status).toBe(415);
      await first.close();

      const second = await startCentral({ home, env, database });
      try {
        const res = await fetch(second.url + PATHS.policy, { headers: { authorization: `Bearer ${pat}`, 'x-gatehouse-device': device_id } });
        expect(PolicyResponseSchema.parse(await res.json()).version).toBe(1);
        expect((await second.publish(testBundle())).version).toBe(2);
      } finally {
        await second.close();
      }
    } finally {
      await db?.drop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('central gateway: the org is explicit', () => {
  it('does not start without an org before anything is published; later the published bundle names it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-central-org-'));
    const env = { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed };
    try {
      await expect(startCentral({ home, env, org: null })).rejects.toThrow(/^Name the org this central gateway serves with --org NAME \(or GATEHOUSE_ORG\)/);
      const first = await startCentral({ home, env, org: 'acme' });
      const { pat } = await first.createPat('ada', 'payments');
      // Enrolled before the first publish: the device pins the real org, not a placeholder.
      expect((await enroll(first, pat)).org).toBe('acme');
      const other = await first.admin(PATHS.adminPolicies, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: testBundle().replace('org: acme', 'org: globex') });
      expect(other.status).toBe(400);
      expect(SyncErrorSchema.parse(await other.json()).error.problems).toEqual([{ line: null, field: 'org', message: 'this central gateway serves org "acme", not "globex"' }]);
      await first.publish(testBundle());
      await first.close();

      await expect(startCentral({ home, env, org: 'globex' })).rejects.toThrow('published policy is for org "acme", not "globex": start it with --org acme, or without --org');
      const second = await startCentral({ home, env, org: null });
      try {
        expect((await enroll(second, pat)).org).toBe('acme');
        const again = await second.admin(PATHS.adminPolicies, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: testBundle().replace('org: acme', 'org: globex') });
        expect(again.status).toBe(400);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
