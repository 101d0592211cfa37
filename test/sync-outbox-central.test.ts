import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_HEADER, EnrollResponseSchema, FleetViewSchema, PATHS, RecordsPageSchema } from '../sync/protocol.js';
import { startCentral, type TestCentral } from './helpers/central.js';
import { deviceOutbox } from './helpers/outbox.js';

/** The outbox against the real reference central gateway: enrolled with a PAT, records ingested once. */
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function enrolled(): Promise<{ central: TestCentral; pat: string; deviceId: string }> {
  const central = await startCentral();
  cleanups.push(() => central.close());
  const { pat } = await central.createPat('ada', 'platform');
  const res = await fetch(central.url + PATHS.enroll, {
    method: 'POST',
    headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hostname: 'laptop-1', platform: 'linux', gatehouse_version: '0.1.0' }),
  });
  expect(res.status).toBe(200);
  return { central, pat, deviceId: EnrollResponseSchema.parse(await res.json()).device_id };
}

describe('outbox to the reference central gateway', () => {
  it('delivers every record once, dropped seqs reported so the fleet view shows no gap, resends deduped', async () => {
    const { central, pat, deviceId } = await enrolled();
    const link = { url: central.url, deviceId, pat: async () => pat };
    const d = deviceOutbox(cleanups, () => central.url, { batchSize: 3, budget: { max_records: 5, overflow: 'drop_oldest' }, link: () => link });
    // What enrollment does: the central's device id, a new sequence from 1.
    d.outbox.setDevice(deviceId);
    const outbox = d.outbox;
    d.add(8);
    expect(outbox.status()).toMatchObject({ depth: 5, dropped: 3 });
    expect(await outbox.drain()).toMatchObject({ sent: 5, batches: 2, remaining: 0, error: null });

    // A batch sent again (an ack lost on the way back) is stored once.
    const again = await fetch(central.url + PATHS.records, {
      method: 'POST',
      headers: { authorization: `Bearer ${pat}`, [DEVICE_HEADER]: deviceId, 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: deviceId, records: (await central.adminJson<{ records: unknown[] }>(`${PATHS.adminRecords}?device=${deviceId}`)).records.slice(0, 2).map((r) => strip(r)) }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 2 });

    const page = RecordsPageSchema.parse(await central.adminJson(`${PATHS.adminRecords}?device=${deviceId}`));
    expect(page.records.map((r) => r.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(new Set(page.records.map((r) => r.trace_id))).toEqual(new Set(d.traces.slice(3).map((t) => t.id)));
    const fleet = FleetViewSchema.parse(await central.adminJson(PATHS.adminFleet));
    expect(fleet.devices.find((x) => x.device_id === deviceId)).toMatchObject({ records: 5, gaps: [] });
  });

  it('a wrong PAT stops the drain with the central gateway\'s reason, and keeps the records', async () => {
    const { central, deviceId } = await enrolled();
    const d = deviceOutbox(cleanups, () => central.url, { link: () => ({ url: central.url, deviceId, pat: async () => 'ghp_not_a_real_pat_0000000000' }) });
    d.outbox.setDevice(deviceId);
    d.add(2);
    const result = await d.outbox.drain();
    expect(result.error).toMatch(/401/);
    expect(result.remaining).toBe(2);
  });
});

/** A stored record back to the wire form (without the central's own fields). */
function strip(r: unknown): unknown {
  const { device_id: _d, received_at: _r, ...rest } = r as Record<string, unknown>;
  return rest;
}
