import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { EnrollResponseSchema, PATHS, RecordsAckSchema, SyncErrorSchema, type SyncRecord } from '../sync/protocol.js';
import { startCentral, type TestCentral } from './helpers/central.js';
import { waitFor } from './helpers/gateway.js';

const T0 = Date.UTC(2026, 4, 1, 9);

function record(seq: number): SyncRecord {
  return {
    record_id: uuidv7(), seq, trace_id: `t${seq}`, started_at: T0, duration_ms: 1, api: 'chat.completions', tier: 'dev', status: 200, error_code: null,
    requested_model: 'demo/echo', resolved_model: 'demo/echo', provider: 'demo', user: 'ada', team: 'payments', metadata: {}, policy_version: 1,
    usage: { tokens_in: 10, tokens_out: 1, tokens_cached: null, tokens_reasoning: null, cost_usd: 0.25 }, verdicts: [],
  };
}

describe('ingest protection on the embedded SQLite backend', () => {
  let central: TestCentral | null = null;
  afterEach(async () => {
    await central?.close();
    central = null;
  });

  it('a batch still arriving counts as in flight: the next one is refused with 429 and Retry-After, and the first is stored once it is whole', async () => {
    central = await startCentral({ maxIngestInFlight: 1 });
    const { pat } = await central.createPat('ada', 'payments');
    const headers = { authorization: `Bearer ${pat}`, 'content-type': 'application/json' };
    const enrolled = await fetch(central.url + PATHS.enroll, { method: 'POST', headers, body: JSON.stringify({ hostname: 'h', platform: 'linux', gatehouse_version: '0.1.0' }) });
    const deviceId = EnrollResponseSchema.parse(await enrolled.json()).device_id;

    // The first batch's body is sent in two halves; the second half waits for the refusal below.
    // SQLite stores a whole batch in one turn, so only a count from the batch's arrival sees it.
    const body = Buffer.from(JSON.stringify({ device_id: deviceId, records: [record(1)] }));
    const url = new URL(central.url + PATHS.records);
    let firstRest: (() => void) | null = null;
    const first = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.subarray(0, 20));
      firstRest = () => req.end(body.subarray(20));
    });

    // Until the server has read the first batch's headers a probe is admitted; it is an empty
    // object, refused with 400 and storing nothing. Once a probe is refused as busy, so is a real batch.
    await waitFor(async () => (await fetch(central!.url + PATHS.records, { method: 'POST', headers, body: '{}' })).status === 429, 'the first batch counted as in flight');
    const busy = await fetch(central.url + PATHS.records, { method: 'POST', headers, body: JSON.stringify({ device_id: deviceId, records: [record(2)] }) });
    expect(busy.status).toBe(429);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(SyncErrorSchema.parse(await busy.json()).error.code).toBe('GH_ERR_INGEST_BUSY');

    (firstRest as (() => void) | null)?.();
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(RecordsAckSchema.parse(JSON.parse(answered.text)).accepted).toBe(1);

    // The slot is free again once the first batch is answered: the refused batch goes in now.
    const retried = await fetch(central.url + PATHS.records, { method: 'POST', headers, body: JSON.stringify({ device_id: deviceId, records: [record(2)] }) });
    expect(retried.status).toBe(200);
    expect(RecordsAckSchema.parse(await retried.json()).accepted).toBe(1);
  });
});
