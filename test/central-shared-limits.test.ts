import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../local-gateway/admin/schemas.js';
import { PATHS } from '../sync/protocol.js';
import { generateSigningKey } from '../sync/signing.js';
import { startCentral, testBundle, type TestCentral } from './helpers/central.js';
import { waitFor } from './helpers/gateway.js';
import { freshDatabase, testPostgresUrl, testRedisUrl } from './helpers/services.js';

// The central's own client APIs, as three replicas on one PostgreSQL behind a load balancer:
// with `limits.store` in their config they count a prod rate limit once, in Redis.
const FILE = 'test/central-shared-limits.test.ts';
const PG = testPostgresUrl(FILE);
const REDIS = testRedisUrl(FILE);

describe.skipIf(!PG || !REDIS)('central replicas share the prod tier\'s limits through Redis', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const centrals: TestCentral[] = [];
  const at = Date.now();

  beforeAll(async () => {
    db = await freshDatabase(PG!);
    const seed = generateSigningKey().seed;
    for (let i = 0; i < 3; i++) {
      centrals.push(await startCentral({
        database: db.url,
        env: { GATEHOUSE_SIGNING_KEY: seed },
        clock: () => at,
        config: { limits: { store: { url: REDIS, replicas: 3 } } },
      }));
    }
    await centrals[0]!.publish(testBundle({ rate_limits: [{ id: 'per-user', scope: ['user'], limit: { requests: 4, per: '1h' } }] }));
  });
  afterAll(async () => {
    for (const c of centrals) await c.close();
    await db?.drop();
  });

  it('a burst of one PAT over three replicas gets the limit once, not three times', async () => {
    const { pat } = await centrals[0]!.createPat(`ada-${at}`, 'payments');
    // Every replica serves the published bundle (LISTEN/NOTIFY, polled as a fallback) before the burst.
    for (const c of centrals) await waitFor(() => c.app.central.policies.latest()?.version === 1, 'the bundle on every replica');
    const calls = Array.from({ length: 12 }, (_, i) => {
      const client = new OpenAI({ apiKey: pat, baseURL: `${centrals[i % 3]!.url}/v1`, maxRetries: 0 });
      return client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }).then(() => 200, (e: InstanceType<typeof OpenAI.APIError>) => e.status);
    });
    const statuses = await Promise.all(calls);
    const admitted = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);
    const limits = await Promise.all(centrals.map(async (c) => (await c.adminJson<GatewayStatus>('/api/status')).limits!));
    for (const l of limits) expect(l).toMatchObject({ kind: 'redis', replicas: 3 });
    // Exactly the limit, unless a replica's call outlasted its 50 ms timeout (a loaded machine):
    // then that replica decided on its share, at most one request more, and counted it.
    const local = limits.reduce((n, l) => n + l.counters.local_decisions, 0);
    expect(admitted).toBeGreaterThanOrEqual(4);
    expect(admitted).toBeLessThanOrEqual(4 + Math.min(3, local));
    // Each replica's /metrics says what its status says, for a scraper to alert on.
    for (const [i, c] of centrals.entries()) {
      const text = await (await c.admin(PATHS.metrics)).text();
      const l = (await c.adminJson<GatewayStatus>('/api/status')).limits!;
      expect(text).toContain(`gatehouse_limits_store_local ${l.state === 'local' ? 1 : 0}\n`);
      expect(text).toContain(`gatehouse_limits_decisions_total{where="shared"} ${l.counters.shared_decisions}\n`);
      expect(text).toContain(`gatehouse_limits_decisions_total{where="local"} ${l.counters.local_decisions}\n`);
      expect(l.counters.shared_decisions + l.counters.local_decisions, `replica ${i}`).toBeGreaterThan(0);
    }
  });
});
