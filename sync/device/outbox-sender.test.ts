import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_ID, TEST_PAT, deviceOutbox } from '../../test/helpers/outbox.js';
import { waitFor } from '../../test/helpers/gateway.js';
import { startReceiver, type Receiver } from '../../test/helpers/records-receiver.js';
import { DrainResultSchema, OutboxStatusSchema } from './contracts.js';
import { REDACTION_MARK } from './record-bodies.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver({ pat: TEST_PAT });
  cleanups.push(() => r.stop());
  return r;
}

describe('records outbox sender', () => {
  it('sends every waiting record in gzip batches with the PAT and device id, deleting what was acknowledged', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 10, batchSize: 4 });
    const result = DrainResultSchema.parse(await d.outbox.drain());
    expect(result).toEqual({ sent: 10, batches: 3, remaining: 0, error: null, next_attempt_at: null });
    expect(r.lastAuth).toEqual({ authorization: `Bearer ${TEST_PAT}`, device: DEVICE_ID });
    expect(r.batches.map((b) => b.seqs)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
    expect([...r.records.values()].map((x) => x.trace_id)).toEqual(d.traces.map((t) => t.id));
    const status = OutboxStatusSchema.parse(d.outbox.status());
    expect(status).toMatchObject({ depth: 0, oldest_at: null, last_seq: 10, dropped: 0, last_error: null, max_records: 200_000, overflow: 'drop_oldest' });
    expect(status.last_sent_at).not.toBeNull();
    // Usage and verdicts by default, never bodies unless asked.
    const rec = [...r.records.values()][0]!;
    expect(rec.usage).toEqual({ tokens_in: 12, tokens_out: 5, tokens_cached: null, tokens_reasoning: 2, cost_usd: d.traces[0]!.cost_usd });
    expect(rec.verdicts).toEqual([]);
    expect(rec.bodies).toBeUndefined();
    expect(rec.metadata).toEqual({ team: 'platform', ticket_id: 'ENG-1' });
    // Nothing waits: another drain sends nothing.
    expect(await d.outbox.drain()).toMatchObject({ sent: 0, batches: 0, remaining: 0, error: null });
    expect(r.requests).toBe(3);
  });

  it('sends only what sync.push asks for: metadata always, bodies only when asked and redacted as logging says', async () => {
    const r = await receiver();
    let policy: { push: ('usage' | 'verdicts' | 'bodies')[]; logging: 'full' | 'redacted' | 'none' } = { push: [], logging: 'full' };
    const d = deviceOutbox(cleanups, () => r.url, { push: () => policy });
    const secretBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail ada.lovelace@example.com please' }] };
    const [a] = d.add(1, { request_body: secretBody });
    await d.outbox.drain();
    const plain = r.records.get([...r.records.keys()][0]!)!;
    expect(plain.usage).toBeUndefined();
    expect(plain.verdicts).toBeUndefined();
    expect(plain.bodies).toBeUndefined();
    expect(plain.metadata).toEqual(a!.metadata);

    policy = { push: ['bodies'], logging: 'redacted' };
    d.add(1, { request_body: secretBody });
    await d.outbox.drain();
    const redacted = [...r.records.values()][1]!;
    expect(JSON.stringify(redacted.bodies)).not.toContain('ada.lovelace@example.com');
    expect(redacted.bodies).toMatchObject({ request: { messages: [{ content: `mail ${REDACTION_MARK('email')} please` }] } });
    expect(redacted.usage).toBeUndefined();

    policy = { push: ['bodies', 'usage'], logging: 'full' };
    d.add(1, { request_body: secretBody });
    await d.outbox.drain();
    expect([...r.records.values()][2]!.bodies).toEqual({ request: secretBody, response: d.traces[2]!.response_body });

    policy = { push: ['bodies', 'usage', 'verdicts'], logging: 'none' };
    d.add(1);
    await d.outbox.drain();
    const none = [...r.records.values()][3]!;
    expect(none.bodies).toBeUndefined();
    expect(none.usage).toBeDefined();
    expect(none.verdicts).toEqual([]);
  });

  it('reports what the overflow policy dropped, so the central gateway sees no gap', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { budget: { max_records: 3, overflow: 'drop_oldest' } });
    d.add(7);
    expect(d.outbox.status()).toMatchObject({ depth: 3, dropped: 4, last_seq: 7 });
    expect(await d.outbox.drain()).toMatchObject({ sent: 3, remaining: 0, error: null });
    expect(r.batches[0]!.dropped).toEqual([{ from_seq: 1, to_seq: 4, reason: expect.stringContaining('oldest') as string }]);
    expect([...r.records.values()].map((x) => x.seq)).toEqual([5, 6, 7]);
    d.add(1);
    await d.outbox.drain();
    // Reported once: the next batch carries no dropped ranges, and the receiver sees no gap.
    expect(r.batches[1]!.dropped).toEqual([]);
    expect(d.outbox.status()).toMatchObject({ depth: 0, dropped: 4 });
  });

  it('drop_newest keeps the oldest records and reports the newest as dropped', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { budget: { max_records: 2, overflow: 'drop_newest' } });
    d.add(5);
    await d.outbox.drain();
    expect([...r.records.values()].map((x) => x.seq)).toEqual([1, 2]);
    expect(r.batches[0]!.dropped.map((x) => [x.from_seq, x.to_seq])).toEqual([[3, 5]]);
    expect(d.outbox.status()).toMatchObject({ depth: 0, dropped: 3, overflow: 'drop_newest', max_records: 2 });
  });

  it('sends nothing while not enrolled', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 2, link: () => null });
    const result = await d.outbox.drain();
    expect(result).toMatchObject({ sent: 0, remaining: 2, error: expect.stringContaining('not enrolled') as string });
    expect(r.requests).toBe(0);
  });

  it('runs one drain at a time: a second call joins the running one', async () => {
    const r = await receiver();
    const d = deviceOutbox(cleanups, () => r.url, { traces: 5, batchSize: 2 });
    const [a, b] = await Promise.all([d.outbox.drain(), d.outbox.drain()]);
    expect(a).toEqual(b);
    expect(a.sent).toBe(5);
    expect(r.requests).toBe(3);
  });

  it('drains in the background soon after new traces, and close stops it', async () => {
    const r = await receiver();
    let notify = () => {};
    const d = deviceOutbox(cleanups, () => r.url, { traces: 3, intervalMs: 50, soonMs: 5, onStored: (l) => (notify = l) });
    d.outbox.start();
    await waitFor(() => r.records.size === 3, 'the backlog to drain');
    d.add(2);
    notify();
    await waitFor(() => r.records.size === 5, 'new traces to drain');
    await d.outbox.close();
    const before = r.requests;
    d.add(1);
    notify();
    // Closed: the background sends no more.
    expect(r.requests).toBe(before);
    expect(d.outbox.status().depth).toBe(1);
  });
  it('keeps draining under steady traffic: new traces never push a due drain further out', async () => {
    const r = await receiver();
    let notify = () => {};
    const d = deviceOutbox(cleanups, () => r.url, { intervalMs: 200, soonMs: 200, onStored: (l) => (notify = l) });
    d.outbox.start();
    // A trace stored every poll (20 ms), each announced, as a busy gateway's importer does: records still arrive.
    await waitFor(() => {
      d.add(1);
      notify();
      return r.records.size > 0;
    }, 'a drain while traces keep coming');
  });
  it('a background loop sitting out a long Retry-After resumes as soon as another drain gets through', async () => {
    const r = await receiver();
    // The loop's waits never end by themselves here: only a wake (or close) ends one.
    const d = deviceOutbox(cleanups, () => r.url, { traces: 1, intervalMs: 10, soonMs: 0, sleep: () => new Promise<void>(() => {}) });
    r.script.push({ kind: 'status', status: 503, headers: { 'retry-after': '3600' } });
    d.outbox.start();
    await waitFor(() => r.requests === 1 && d.outbox.status().last_error !== null, 'the 503');
    d.add(2);
    expect(await d.outbox.drain()).toMatchObject({ sent: 3, remaining: 0, error: null });
    // Written after that drain: only the background loop can send these.
    d.add(2);
    // The receiver holds the records before the device has read its answer: wait for both.
    await waitFor(() => r.records.size === 5 && d.outbox.status().depth === 0, 'the background loop to send the new records and drop them once acknowledged');
    expect([r.records.size, d.outbox.status().depth]).toEqual([5, 0]);
  });
});
