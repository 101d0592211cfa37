import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../local-gateway/admin/schemas.js';
import { homePaths } from '../local-gateway/core/home.js';
import { uuidv7LowerBound } from '../local-gateway/core/ids.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import type { TracePage } from '../local-gateway/store/schema.js';
import { makeTrace } from '../local-gateway/store/testing.js';
import { startGateway, waitFor } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';

const DAY = 86_400_000;

describe('retention in a running gateway', () => {
  it('a sweep with nothing due leaves the importer thread unstarted on a gateway that has stored nothing', async () => {
    const gw = await startGateway({}, {}, { retention: { clock: () => Date.now() + 365 * DAY } });
    try {
      expect(await gw.app.retention.sweepNow()).toMatchObject({ traces: 0, blobs: 0, pages_freed: 0 });
      expect(gw.app.store.writer.importerStarted).toBe(false);
      expect((await gw.api<GatewayStatus>('/api/status')).retention.last_sweep).toMatchObject({ traces: 0 });
      // Once there is a trace past its retention, the sweep runs on the importer thread and deletes it.
      const r = await gw.client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'old soon' }] });
      expect(r.choices[0]!.message.content).toContain('old soon');
      await gw.app.store.writer.flush();
      expect((await gw.app.retention.sweepNow()).traces).toBe(1);
      expect(gw.app.store.writer.importerStarted).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it("deletes traces past the policy's retention_days on the gateway's clock, and reports the sweep", async () => {
    let now = Date.now();
    const policy = writePolicy(`apiVersion: gatehouse/v1\norg: acme\ntiers:\n  dev: { logging: { retention_days: 7 } }\n`);
    const gw = await startGateway({ policy }, {}, { retention: { clock: () => now } });
    try {
      for (const content of ['one', 'two']) {
        const r = await gw.client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content }] });
        expect(r.choices[0]!.message.content).toContain(content);
      }
      expect((await gw.app.retention.sweepNow()).traces).toBe(0);
      expect((await gw.api<TracePage>('/api/traces')).traces).toHaveLength(2);

      now += 8 * DAY;
      const swept = await gw.app.retention.sweepNow();
      expect(swept.traces).toBe(2);
      expect((await gw.api<TracePage>('/api/traces')).traces).toHaveLength(0);
      const status = await gw.api<GatewayStatus>('/api/status');
      expect(status.retention).toMatchObject({ retention_days: 7, max_bytes: null, last_sweep: { traces: 2 }, last_error: null });
      expect(status.store.traces).toBe(0);
      // The gateway serves on after the sweep, and a trace younger than the cutoff is kept.
      now = Date.now();
      await gw.client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'three' }] });
      expect((await gw.app.retention.sweepNow()).traces).toBe(0);
      expect((await gw.api<TracePage>('/api/traces')).traces).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it('ends a sweep under way when the gateway closes, after its current batch, keeping the rest', { timeout: 90_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-retention-'));
    try {
      const gw = await startGateway({}, {}, { home });
      const old = Date.now() - 40 * DAY;
      // 40 batches of 500, each followed by a rest as long as it took: far more than one batch's time.
      // Ids of their own start time (uuidv7() never goes back in time within a process), so retention's id bound applies.
      const id = (i: number) => `${uuidv7LowerBound(old + i).slice(0, -12)}${String(i).padStart(12, '0')}`;
      gw.app.store.traces.insertMany(Array.from({ length: 20_000 }, (_, i) => makeTrace({ id: id(i), started_at: old + i })));
      const sweeping = gw.app.retention.sweepNow();
      // The importer thread starts with the sweep (from TypeScript sources here, which takes a few seconds).
      await waitFor(() => gw.app.store.traces.count() < 20_000, 'the first batch to be deleted', 60_000);
      await gw.close();
      const swept = await sweeping;
      expect(swept.traces).toBeGreaterThan(0);
      expect(swept.traces).toBeLessThan(20_000);
      const db = openDatabase(homePaths(home).db);
      try {
        expect(db.prepare('SELECT count(*) FROM traces').pluck().get()).toBe(20_000 - swept.traces);
      } finally {
        closeDatabase(db);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
