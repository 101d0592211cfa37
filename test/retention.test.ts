import { describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../local-gateway/admin/schemas.js';
import type { TracePage } from '../local-gateway/store/schema.js';
import { startGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';

const DAY = 86_400_000;

describe('retention in a running gateway', () => {
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
});
