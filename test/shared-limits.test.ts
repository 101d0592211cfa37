import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../local-gateway/admin/schemas.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, UPSTREAM_KEY, upstreamConfig, waitFor, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy, type ChatResult } from './helpers/policy.js';
import { testRedisUrl } from './helpers/services.js';

// Three gateways on one Redis, as replicas of the central's client APIs behind a load
// balancer: each subject's burst goes round-robin over all three at once. The policy clock is
// injected and stands still, so GCRA earns nothing back during a burst: what is admitted is
// exactly what the limit allows, whatever the machine's speed.
const REDIS = testRedisUrl('test/shared-limits.test.ts');

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  prod:
    rate_limits:
      - { id: req, when: { metadata: { surface: req } }, scope: [metadata.subject], limit: { requests: 5, per: 1h } }
      - { id: tok, when: { metadata: { surface: tok } }, scope: [metadata.subject], limit: { tokens: 2000, per: 1h } }
    budgets:
      - { id: spend, when: { metadata: { surface: usd } }, scope: [metadata.subject], limit: { usd: 0.01, per: day } }
`;
const MODEL = 'up/gpt-4o-mini';
// 10 USD per million tokens either way: a request of about 102 tokens costs about $0.00102.
const PRICES = { [MODEL]: { input_per_mtok: 10, output_per_mtok: 10 } };
const AT = Date.UTC(2026, 11, 7, 10, 30);
const PROMPT = 'x'.repeat(400);
// The stand-in's usage: ceil(400 / 4) prompt tokens, and the words of "echo: xxx…" as the completion.
const TOKENS_PER_REQUEST = 100 + 2;

let upstream: OpenAIStandin;
let policyFile: string;

beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY, record: false });
  policyFile = writePolicy(POLICY);
});
afterAll(() => upstream?.close());

async function replicas(n: number, store: Record<string, unknown> | null): Promise<TestGateway[]> {
  const config = {
    ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }),
    policy: policyFile,
    tiers: { active: 'prod', shadow: [] },
    prices: PRICES,
    ...(store ? { limits: { store } } : {}),
  };
  return Promise.all(Array.from({ length: n }, () => startGateway(config, {}, { policy: { clock: () => AT } })));
}

/** `perSubject` requests for each of `subjects` subjects, all at once, round-robin over the gateways. */
async function burst(gws: TestGateway[], surface: string, subjects: string[], perSubject: number): Promise<Map<string, ChatResult[]>> {
  const sent = subjects.flatMap((s) => Array.from({ length: perSubject }, (_, i) => ({ s, gw: gws[i % gws.length]! })));
  const results = await Promise.all(sent.map(({ s, gw }) => chat(gw, PROMPT, { model: MODEL, metadata: { surface, subject: s } }).then((r) => ({ s, r }))));
  const by = new Map<string, ChatResult[]>();
  for (const { s, r } of results) by.set(s, [...(by.get(s) ?? []), r]);
  return by;
}

const subjects = (n: number) => {
  const run = randomBytes(4).toString('hex');
  return Array.from({ length: n }, (_, i) => `dev-${run}-${i}`);
};
const admitted = (rs: ChatResult[]) => rs.filter((r) => r.status === 200).length;

describe.skipIf(!REDIS)('shared limits: three replicas on one Redis', () => {
  let gws: TestGateway[];
  beforeAll(async () => {
    gws = await replicas(3, { url: REDIS, replicas: 3, timeout_ms: 1000 });
  });
  afterAll(async () => {
    await Promise.all(gws.map((g) => g.close()));
  });

  it('a request limit admits exactly the limit per subject across the replicas; every refusal is a 429 with retry-after', async () => {
    const by = await burst(gws, 'req', subjects(8), 12);
    for (const [s, rs] of by) {
      expect(admitted(rs), s).toBe(5);
      expect(rs.every((r) => r.headers.get('x-gatehouse-limits') === null)).toBe(true);
      for (const r of rs.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(429);
        expect(r.json.error?.code).toBe('GH_ERR_RATE_LIMITED');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    for (const g of gws) {
      const st = await g.api<GatewayStatus>('/api/status');
      expect(st.limits).toMatchObject({ kind: 'redis', state: 'shared', replicas: 3 });
      expect(st.limits!.counters.local_decisions).toBe(0);
    }
  });

  it('a token limit holds the real usage within the limit plus one request per replica', async () => {
    const by = await burst(gws, 'tok', subjects(6), 30);
    for (const [s, rs] of by) {
      const used = admitted(rs) * TOKENS_PER_REQUEST;
      expect(used, s).toBeLessThanOrEqual(2000 + 3 * TOKENS_PER_REQUEST);
      // Reserving the estimate must not refuse far below the limit either.
      expect(used, s).toBeGreaterThanOrEqual(2000 - 3 * TOKENS_PER_REQUEST);
    }
  });

  it('a budget holds the real cost within the limit plus one request per replica (each request reserves its estimated price)', async () => {
    const by = await burst(gws, 'usd', subjects(6), 20);
    const cost = TOKENS_PER_REQUEST * 10 / 1e6;
    for (const [s, rs] of by) {
      const spent = admitted(rs) * cost;
      expect(spent, s).toBeLessThanOrEqual(0.01 + 3 * cost);
      expect(spent, s).toBeGreaterThanOrEqual(0.01 - 3 * cost);
      const refused = rs.find((r) => r.status === 429);
      expect(refused?.json.error?.code).toBe('GH_ERR_BUDGET_EXCEEDED');
    }
  });
});

describe('without a shared store', () => {
  it('each of three gateways counts its own, so the same burst gets three times the limit (what the shared store prevents)', async () => {
    const gws = await replicas(3, null);
    try {
      const by = await burst(gws, 'req', subjects(2), 18);
      for (const rs of by.values()) expect(admitted(rs)).toBe(15);
      expect((await gws[0]!.api<GatewayStatus>('/api/status')).limits).toBeNull();
    } finally {
      await Promise.all(gws.map((g) => g.close()));
    }
  });
});

describe.skipIf(!REDIS)('shared limits: the store paused or its script cache flushed', () => {
  let gw: TestGateway;
  let admin: Redis;
  let now = AT;
  beforeAll(async () => {
    admin = new Redis(REDIS!, { lazyConnect: true });
    await admin.connect();
    const config = {
      ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }),
      policy: policyFile,
      tiers: { active: 'prod', shadow: [] },
      limits: { store: { url: REDIS, replicas: 3, timeout_ms: 50 } },
    };
    gw = await startGateway(config, {}, { policy: { clock: () => now } });
  });
  afterAll(async () => {
    await admin?.call('CLIENT', 'UNPAUSE').catch(() => {});
    admin?.disconnect();
    await gw?.close();
  });
  const status = async () => (await gw.api<GatewayStatus>('/api/status')).limits!;
  const ask = (subject: string) => chat(gw, 'hi', { model: MODEL, metadata: { surface: 'req', subject } });

  it('after SCRIPT FLUSH the next decision reloads the script (EVAL on NOSCRIPT) and the count goes on', async () => {
    const [s] = subjects(1);
    for (let i = 0; i < 2; i++) expect((await ask(s!)).status).toBe(200);
    await admin.call('SCRIPT', 'FLUSH');
    const before = (await status()).counters.noscript_reloads;
    for (let i = 0; i < 3; i++) expect((await ask(s!)).status).toBe(200);
    expect((await ask(s!)).status).toBe(429);
    const after = await status();
    expect(after.counters.noscript_reloads).toBe(before + 1);
    expect(after.state).toBe('shared');
  });

  it('a paused Redis costs a decision its timeout, not the pause: the replica enforces its share (5 / 3 replicas) and says so, then goes back', async () => {
    const [s] = subjects(1);
    // Writes (and so every limit script) wait for 60 s; each request below returns within the test's timeout.
    await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    const first = await ask(s!);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-gatehouse-limits')).toBe('local-share');
    const during = await status();
    expect(during.state).toBe('local');
    expect(during.counters.timeouts).toBeGreaterThanOrEqual(1);
    expect(during.local_since).not.toBeNull();
    // Its share of 5 per hour is 5/3 (each request counts 3 times here): the first fitted, the next is refused, naming the local share.
    const refused = await ask(s!);
    expect(refused.status).toBe(429);
    expect(refused.json.error?.message).toMatch(/this replica alone.*1\/3 of the limit/);
    await admin.call('CLIENT', 'UNPAUSE');
    // The breaker lets a trial call through once its cooldown is over (the injected clock moves; nothing waits).
    now += 2_001;
    const [t] = subjects(1);
    expect((await ask(t!)).status).toBe(200);
    const back = await ask(t!);
    expect(back.headers.get('x-gatehouse-limits')).toBeNull();
    expect((await status()).state).toBe('shared');
  });
});

/** A redis-server of this test's own (no persistence), so it can be killed and started again on its port. */
async function ownRedis(port: number): Promise<{ stop(): Promise<void> }> {
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  await probe.connect().catch(() => {});
  await waitFor(() => probe.ping().then((p) => p === 'PONG', () => false), 'redis-server to answer');
  probe.disconnect();
  return {
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }),
  };
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

describe.skipIf(!REDIS)('shared limits: Redis killed and started again empty', () => {
  it('unreachable, each replica spends only its share and says so; back and empty, the budget is reseeded from what was spent', async () => {
    const port = await freePort();
    let redis = await ownRedis(port);
    let now = AT;
    const config = {
      ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }),
      policy: policyFile,
      tiers: { active: 'prod', shadow: [] },
      prices: PRICES,
      limits: { store: { url: `redis://127.0.0.1:${port}`, replicas: 3, timeout_ms: 50 } },
    };
    const gw = await startGateway(config, {}, { policy: { clock: () => now } });
    try {
      const status = async () => (await gw.api<GatewayStatus>('/api/status')).limits!;
      const spend = (subject: string) => chat(gw, PROMPT, { model: MODEL, metadata: { surface: 'usd', subject } });
      const [s, t] = subjects(2);
      for (let i = 0; i < 4; i++) expect((await spend(s!)).status).toBe(200);
      await redis.stop();

      // $0.00408 of $0.01 spent; on its own, each request counts 3 times ($0.00306): two fit, the third is refused.
      const local = [await spend(s!), await spend(s!), await spend(s!)];
      expect(local.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(local.map((r) => r.headers.get('x-gatehouse-limits'))).toEqual(['local-share', 'local-share', 'local-share']);
      expect(local[2]!.json.error?.message).toMatch(/this replica alone.*1\/3 of the limit/);
      const down = await status();
      expect(down.state).toBe('local');
      expect(down.counters.errors + down.counters.timeouts).toBeGreaterThanOrEqual(1);

      redis = await ownRedis(port);
      // The breaker tries the store again after its cooldown: move the injected clock, wait for the reconnect.
      const reseeds = down.counters.reseeds;
      await waitFor(async () => {
        now += 2_001;
        await spend(t!);
        return (await status()).state === 'shared';
      }, 'the store to be used again');
      // The new server has nothing: s's budget is reseeded with the 6 requests this gateway served ($0.00612),
      // so 4 more fit, not the 9 a fresh budget would allow.
      const after: number[] = [];
      for (let i = 0; i < 6; i++) after.push((await spend(s!)).status);
      expect(after).toEqual([200, 200, 200, 200, 429, 429]);
      expect((await status()).counters.reseeds).toBeGreaterThan(reseeds);
    } finally {
      await gw.close();
      await redis.stop();
    }
  }, 30_000);

  it('a gateway started while Redis is down starts on its local share, says so, and uses the store once it answers', async () => {
    const port = await freePort();
    let now = AT;
    const config = {
      ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }),
      policy: policyFile,
      tiers: { active: 'prod', shadow: [] },
      limits: { store: { url: `redis://127.0.0.1:${port}`, replicas: 3, timeout_ms: 50 } },
    };
    const gw = await startGateway(config, {}, { policy: { clock: () => now } });
    let redis: { stop(): Promise<void> } | null = null;
    try {
      const [s] = subjects(1);
      const first = await chat(gw, 'hi', { model: MODEL, metadata: { surface: 'req', subject: s! } });
      expect(first.status).toBe(200);
      expect(first.headers.get('x-gatehouse-limits')).toBe('local-share');
      expect((await gw.api<GatewayStatus>('/api/status')).limits!.state).toBe('local');
      redis = await ownRedis(port);
      await waitFor(async () => {
        now += 2_001;
        const r = await chat(gw, 'hi', { model: MODEL, metadata: { surface: 'req', subject: `${s}-later` } });
        return r.headers.get('x-gatehouse-limits') === null && (await gw.api<GatewayStatus>('/api/status')).limits!.state === 'shared';
      }, 'the store to be used once it answers');
    } finally {
      await gw.close();
      await redis?.stop();
    }
  }, 30_000);
});
