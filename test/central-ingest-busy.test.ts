import { request } from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { EnrollResponseSchema, PATHS, RecordsAckSchema, SyncErrorSchema, type SyncRecord } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { startCentral, testBundle, type TestCentral } from './helpers/central.js';
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
    let probesAdmitted = 0;
    await waitFor(async () => {
      const probe = await fetch(central!.url + PATHS.records, { method: 'POST', headers, body: '{}' });
      if (probe.status === 400) probesAdmitted++;
      return probe.status === 429;
    }, 'the first batch counted as in flight');
    const busy = await fetch(central.url + PATHS.records, { method: 'POST', headers, body: JSON.stringify({ device_id: deviceId, records: [record(2)] }) });
    expect(busy.status).toBe(429);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(SyncErrorSchema.parse(await busy.json()).error.code).toBe('GH_ERR_INGEST_BUSY');

    // While the first batch is held, /metrics says so: one in flight, the probes and the batch refused.
    const during = await metrics(central);
    expect(during.get('gatehouse_central_ingest_in_flight')).toBe(1);
    expect(during.get('gatehouse_central_ingest_limit')).toBe(1);
    expect(during.get('gatehouse_central_ingest_refused_total')).toBeGreaterThanOrEqual(2);

    (firstRest as (() => void) | null)?.();
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(RecordsAckSchema.parse(JSON.parse(answered.text)).accepted).toBe(1);

    // The slot is free again once the first batch is answered: the refused batch goes in now.
    const retried = await fetch(central.url + PATHS.records, { method: 'POST', headers, body: JSON.stringify({ device_id: deviceId, records: [record(2)] }) });
    expect(retried.status).toBe(200);
    expect(RecordsAckSchema.parse(await retried.json()).accepted).toBe(1);
    const after = await metrics(central);
    expect(after.get('gatehouse_central_ingest_in_flight')).toBe(0);
    expect(after.get('gatehouse_central_ingest_admitted_total')).toBe(2 + probesAdmitted);
    expect(after.get('gatehouse_central_ingest_refused_total')).toBe(during.get('gatehouse_central_ingest_refused_total'));
    // Every batch taken is in the duration histogram once answered; the refused ones are not.
    expect(after.get('gatehouse_central_ingest_duration_seconds_count')).toBe(2 + probesAdmitted);
    expect(after.get('gatehouse_central_ingest_duration_seconds_bucket{le="+Inf"}')).toBe(2 + probesAdmitted);
  });
});

describe('the central\'s /metrics', () => {
  let central: TestCentral | null = null;
  afterEach(async () => {
    await central?.close();
    central = null;
  });

  it('takes the admin token only, and says when the shared limit store is out and this replica enforces its local share', async () => {
    // Nothing listens on port 1: the replica decides on its local share of each limit.
    central = await startCentral({ env: { GATEHOUSE_SIGNING_KEY: generateSigningKey().seed }, config: { limits: { store: { url: 'redis://127.0.0.1:1', replicas: 3 } } } });
    await central.publish(testBundle({ rate_limits: [{ id: 'per-user', scope: ['user'], limit: { requests: 4, per: '1h' } }] }));
    const { pat } = await central.createPat('ada', 'payments');
    const client = new OpenAI({ apiKey: pat, baseURL: `${central.url}/v1`, maxRetries: 0 });
    const served = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(served.response.headers.get('x-gatehouse-limits')).toBe('local-share');
    const refused = await fetch(central.url + PATHS.metrics, { headers: { authorization: `Bearer ${pat}` } });
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain('gatehouse_');
    const res = await central.admin(PATHS.metrics);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE gatehouse_limits_store_local gauge');
    const m = parse(text);
    expect(m.get('gatehouse_limits_store_local')).toBe(1);
    expect(m.get('gatehouse_limits_store_replicas')).toBe(3);
    expect(m.get('gatehouse_central_policy_version')).toBe(1);
    expect(m.get('gatehouse_limits_decisions_total{where="local"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('gatehouse_limits_decisions_total{where="shared"}')).toBe(0);
  });
});

/** Sample name (with its labels) → value, from Prometheus text. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function metrics(central: TestCentral): Promise<Map<string, number>> {
  const res = await central.admin(PATHS.metrics);
  expect(res.status).toBe(200);
  return parse(await res.text());
}
