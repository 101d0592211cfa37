import { afterEach, describe, expect, it } from 'vitest';
import { PolicyBundleSchema } from '../local-gateway/policy/schema.js';
import { activePolicy, type PolicySource } from '../local-gateway/policy/source.js';
import { createRecordsOutbox } from '../sync/device/outbox-sender.js';
import { pushPolicyOf } from '../sync/device/records-batch.js';
import { startGateway, waitFor, type TestGateway } from './helpers/gateway.js';
import { TEST_PAT } from './helpers/outbox.js';
import { startReceiver } from './helpers/records-receiver.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The org's bundle as enrollment would apply it: version 12, pushing usage only. */
function orgPolicy(): PolicySource {
  const bundle = PolicyBundleSchema.parse({ apiVersion: 'gatehouse/v1', org: 'acme', version: 12, tiers: { dev: { sync: { push: ['usage'] } } } });
  const policy = activePolicy(bundle, ['dev'], 'org', null);
  return { current: () => policy, onChange: () => {}, close: () => {} };
}

async function gateway(): Promise<TestGateway> {
  const gw = await startGateway({}, {}, { policy: { source: orgPolicy() } });
  cleanups.push(() => gw.close());
  return gw;
}

const chat = (gw: TestGateway) => gw.client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'ping' }] });

describe('outbox in a running gateway', () => {
  it('writes no records until a device is set, then one per request with the org bundle version', async () => {
    const gw = await gateway();
    const { outbox, writer, traces } = gw.app.gateway;
    await chat(gw);
    await writer.flush();
    expect(outbox.status()).toMatchObject({ depth: 0, last_seq: 0, max_records: 200_000, overflow: 'drop_oldest' });

    outbox.setDevice('dev-gw-1');
    for (let i = 0; i < 3; i++) await chat(gw);
    // The importer thread stores the traces, and their records in the same transactions.
    await writer.flush();
    expect(outbox.status()).toMatchObject({ depth: 3, last_seq: 3 });
    const rows = traces.outbox.oldest('dev-gw-1', 10);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows.map((r) => (JSON.parse(r.payload) as { policy_version: number | null }).policy_version)).toEqual([12, 12, 12]);
  });

  it('drains what the gateway recorded to the central gateway, following the bundle in force', async () => {
    const r = await startReceiver({ pat: TEST_PAT });
    cleanups.push(() => r.stop());
    const gw = await gateway();
    const g = gw.app.gateway;
    g.outbox.setDevice('dev-gw-2');
    // The sender as enrollment will wire it: the same store, a link, the active tier's push.
    const sender = createRecordsOutbox({
      store: g.traces,
      link: () => ({ url: r.url, deviceId: 'dev-gw-2', pat: async () => TEST_PAT }),
      push: () => pushPolicyOf(g.policy.source.current(), 'dev'),
      flush: () => g.writer.flush(),
      onStored: (l) => g.writer.onStored(l),
      soonMs: 0,
      intervalMs: 20,
    });
    cleanups.push(() => sender.close());
    sender.start();
    for (let i = 0; i < 4; i++) await chat(gw);
    await waitFor(() => r.records.size === 4, 'four records at the central gateway');
    const recs = [...r.records.values()];
    expect(recs.map((x) => x.policy_version)).toEqual([12, 12, 12, 12]);
    expect(recs[0]!.usage).toBeDefined();
    expect(recs[0]!.verdicts).toBeUndefined();
    expect(recs[0]!.resolved_model).toBe('demo/echo');
    await waitFor(() => g.outbox.status().depth === 0, 'the outbox to empty');
    expect(r.duplicates).toBe(0);
  });
});
