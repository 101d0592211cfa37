import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { recordPayload } from '../local-gateway/store/outbox.js';
import type { Trace } from '../local-gateway/store/schema.js';
import { EnrollResponseSchema, PATHS, RecordsAckSchema, UsageAnswerSchema, type SyncRecord } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { startCentral, testBundle, type TestCentral } from './helpers/central.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { centralBackends } from './helpers/services.js';

/**
 * A device that uses its org's central as its upstream provider: the central records the
 * request it served (its own outbox), and the device's record of the same request says the
 * central served it, so the org's usage counts it once.
 */
const FILE = 'test/central-served-by.test.ts';

describe.each(centralBackends(FILE))('a request a device sends through its central, on $name', ({ url }) => {
  let central: TestCentral;
  let device: TestGateway;
  let pat: string;
  let deviceId: string;

  beforeAll(async () => {
    central = await startCentral({ storage: url, org: 'acme', env: { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed } });
    await central.publish(testBundle({}));
    ({ pat } = await central.createPat('ada', 'payments'));
    device = await startGateway({ providers: [{ id: 'org', kind: 'openai', base_url: `${central.url}/v1`, api_key: 'env:ORG_PAT', forward_metadata: true }] }, { ORG_PAT: pat });
    const enrolled = await fetch(central.url + PATHS.enroll, { method: 'POST', headers: auth(), body: JSON.stringify({ hostname: 'laptop', platform: 'linux', gatehouse_version: '0.1.0' }) });
    deviceId = EnrollResponseSchema.parse(await enrolled.json()).device_id;
  });
  afterAll(async () => {
    await device?.close();
    await central?.close();
  });

  const auth = () => ({ authorization: `Bearer ${pat}`, 'content-type': 'application/json' });
  const push = async (records: SyncRecord[]) => {
    const res = await fetch(central.url + PATHS.records, { method: 'POST', headers: auth(), body: JSON.stringify({ device_id: deviceId, records }) });
    expect(res.status).toBe(200);
    return RecordsAckSchema.parse(await res.json());
  };
  // Requests over every user: the central's record is the PAT owner's, and so is the device's (ingest counts a record for its PAT's user).
  const usage = async (query: string) => {
    const rows = UsageAnswerSchema.parse(await central.adminJson(`${PATHS.adminUsage}?${query}`)).rows;
    return { requests: rows.reduce((n, r) => n + r.requests, 0), users: rows.map((r) => r.key) };
  };

  it('is counted once in the org\'s usage: from the central\'s own record, not again from the device\'s', async () => {
    const { response } = await device.client.chat.completions.create({ model: 'org/demo/echo', messages: [{ role: 'user', content: 'through acme' }] }).withResponse();
    const local = await device.api<Trace>(`/api/traces/${response.headers.get('x-gatehouse-trace-id')}`);
    // The central named its org on the answer; the device's record carries it.
    expect(local.response_headers['x-gatehouse-org']).toBe('acme');
    const payload = recordPayload(local);
    expect(payload.served_by_org).toBe('acme');
    const relayed: SyncRecord = { record_id: uuidv7(), seq: 1, trace_id: local.id, started_at: local.started_at, ...payload };
    expect(await push([relayed])).toMatchObject({ accepted: 1, duplicates: 0 });

    // The central's own record of the call it served reaches its storage.
    await central.app.gateway.writer.flush();
    expect((await central.app.sync.outbox.drain()).error).toBeNull();

    // Whole days read the rollups, a mid-day bound the records: both count the request once.
    expect(await usage('by=user')).toEqual({ requests: 1, users: ['ada'] });
    expect(await usage(`by=user&since=${local.started_at - 1}`)).toEqual({ requests: 1, users: ['ada'] });

    // A record of a request the device sent elsewhere is counted as before.
    const direct: SyncRecord = { ...relayed, record_id: uuidv7(), seq: 2, trace_id: `${local.id}-direct` };
    delete direct.served_by_org;
    expect(await push([direct])).toMatchObject({ accepted: 1 });
    expect(await usage('by=user')).toMatchObject({ requests: 2 });
    expect(await usage(`by=user&since=${local.started_at - 1}`)).toMatchObject({ requests: 2 });
    // The device wrote its own user (here the OS one) into the record; it counts for its PAT's.
    expect(local.caller.user).not.toBe('ada');
    expect((await usage('by=user')).users).toEqual(['ada']);
  });
});
