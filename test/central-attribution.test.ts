import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../local-gateway/core/ids.js';
import { EnrollResponseSchema, PATHS, RecordsAckSchema, RecordsPageSchema, UsageAnswerSchema, type SyncRecord } from '../sync/protocol.js';
import { startCentral, type TestCentral } from './helpers/central.js';
import { centralBackends } from './helpers/services.js';

/**
 * A device's records count for the user and team of the PAT it is enrolled with, whatever
 * the records say: a device that writes another developer's name into its records must not
 * spend that developer's budget or show in their usage. On both storage backends (rollups on
 * PostgreSQL, a scan of the records on SQLite).
 */
const FILE = 'test/central-attribution.test.ts';
const T0 = Date.UTC(2026, 4, 6, 9);

function record(seq: number, user: string, team: string | null): SyncRecord {
  return {
    record_id: uuidv7(), seq, trace_id: `t${seq}`, started_at: T0, duration_ms: 3, api: 'chat.completions', tier: 'prod', status: 200, error_code: null,
    requested_model: 'demo/echo', resolved_model: 'demo/echo', provider: 'demo', user, team, metadata: {}, policy_version: 1,
    usage: { tokens_in: 10, tokens_out: 2, tokens_cached: null, tokens_reasoning: null, cost_usd: 1 }, verdicts: [],
  };
}

describe.each(centralBackends(FILE))('records attributed to the PAT on $name', ({ url }) => {
  let central: TestCentral;

  /** Enrolls a device under a fresh PAT for `user`/`team` and sends `records` from it; the ACK. */
  async function send(user: string, team: string | null, records: SyncRecord[]) {
    const { pat } = await central.createPat(user, team);
    const headers = { authorization: `Bearer ${pat}`, 'content-type': 'application/json' };
    const enrolled = await fetch(central.url + PATHS.enroll, { method: 'POST', headers, body: JSON.stringify({ hostname: `${user}-laptop`, platform: 'linux', gatehouse_version: '0.1.0' }) });
    const deviceId = EnrollResponseSchema.parse(await enrolled.json()).device_id;
    const res = await fetch(central.url + PATHS.records, { method: 'POST', headers, body: JSON.stringify({ device_id: deviceId, records }) });
    expect(res.status).toBe(200);
    return { deviceId, ack: RecordsAckSchema.parse(await res.json()) };
  }
  const usage = async (q: string) => UsageAnswerSchema.parse(await central.adminJson(`${PATHS.adminUsage}?${q}`)).rows
    .map((r) => [r.key ?? '(none)', r.requests, r.cost_usd])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

  beforeAll(async () => {
    central = await startCentral({ storage: url });
    // Ada's device: one record as a device with her identity writes it, then records naming
    // Bob, Bob's team, her name with another team, and the OS user she had before enrolling.
    const ada = await send('ada', 'payments', [record(1, 'ada', 'payments'), record(2, 'bob', 'risk'), record(3, 'ada', 'risk'), record(4, 'ada.lovelace', null)]);
    expect(ada.ack.accepted).toBe(4);
    // Carol's PAT has no team: her record naming one does not count for it.
    const carol = await send('carol', null, [record(1, 'carol', 'payments')]);
    expect(carol.ack.accepted).toBe(1);
    // Bob's own device, as it should be: his usage is his record, not Ada's claims.
    await send('bob', 'risk', [record(1, 'bob', 'risk')]);
  }, 30_000);
  afterAll(async () => {
    await central?.close();
  });

  it('counts every record of a device for its PAT\'s user and team, in the usage and its rollups', async () => {
    expect(await usage('by=user')).toEqual([['ada', 4, 4], ['bob', 1, 1], ['carol', 1, 1]]);
    expect(await usage('by=team')).toEqual([['(none)', 1, 1], ['payments', 4, 4], ['risk', 1, 1]]);
    // The same read from the records themselves (a since that is not a day's start scans them).
    expect(await usage(`by=user&since=${T0 - 1}`)).toEqual([['ada', 4, 4], ['bob', 1, 1], ['carol', 1, 1]]);
    expect(await usage(`by=team&since=${T0 - 1}`)).toEqual([['(none)', 1, 1], ['payments', 4, 4], ['risk', 1, 1]]);
  });

  it('counts the records it stored under another user or team than they named in /metrics', async () => {
    const text = await (await central.admin(PATHS.metrics)).text();
    // Ada's records naming Bob, her name with another team and her OS user; Carol's naming a team.
    expect(text).toMatch(/^gatehouse_central_records_reattributed_total 4$/m);
  });

  it('stores the record under the PAT\'s user and team, so the records view says the same', async () => {
    const page = RecordsPageSchema.parse(await central.adminJson(`${PATHS.adminRecords}?limit=100`));
    const seen = page.records.map((r) => `${r.user}/${r.team ?? '-'}`).sort();
    expect(seen).toEqual(['ada/payments', 'ada/payments', 'ada/payments', 'ada/payments', 'bob/risk', 'carol/-']);
  });
});
