/**
 * What a rate-limit decision costs, side by side in one run: the in-process limiter (the
 * default: the engine's rate-limit stage on a tier's counters) and the shared store over
 * loopback Redis (one EVALSHA of the GCRA script per decision), and a budget decision in
 * Redis. Sequential decisions over 1,000 subjects, so each is one round trip, as a request's is;
 * then whole requests through a gateway with the limits in process and in Redis.
 *
 *   npx tsx bench/redis-limits.ts                    # starts a redis-server of its own
 *   GATEHOUSE_TEST_REDIS_URL=redis://127.0.0.1:6390 npx tsx bench/redis-limits.ts
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { ensureHome } from '../local-gateway/core/home.js';
import { buildGateway, listenLoopback } from '../local-gateway/server/app.js';
import { createLogger } from '../local-gateway/core/log.js';
import { openRedisLimits } from '../local-gateway/limits/open.js';
import { rateLimitStage, TierState, type RequestFacts } from '../local-gateway/policy/engine/index.js';
import { resolveTier, PolicyBundleSchema } from '../local-gateway/policy/schema.js';

const DECISIONS = 20_000;
const WARMUP = 2_000;
const SUBJECTS = 1_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function timeEach(n: number, f: (i: number) => unknown): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await f(i);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

async function ownRedis(): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis({ port, retryStrategy: () => 20, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  await probe.ping();
  probe.disconnect();
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

const given = process.env.GATEHOUSE_TEST_REDIS_URL?.trim();
const server = given ? { url: given, stop() {} } : await ownRedis();
const bundle = PolicyBundleSchema.parse({
  apiVersion: 'gatehouse/v1',
  org: 'bench',
  tiers: { prod: { rate_limits: [{ id: 'per-dev', scope: ['metadata.dev'], limit: { requests: 1_000_000_000, per: '1h' } }] } },
});
const tier = resolveTier(bundle, 'prod');
const now = Date.now();
const facts = (i: number): RequestFacts => ({
  api: 'chat.completions', model: 'up/m', resolvedModel: 'up/m', user: 'u', team: null, metadata: { dev: `d${i % SUBJECTS}` },
  input: [], output: null, estimatedTokens: 100, tokensIn: null, tokensOut: null, at: now,
});
const state = new TierState(() => now);
const role = { tier: 'prod', enforced: true };
const inProcess = await timeEach(DECISIONS, (i) => rateLimitStage(tier, facts(i), state, role));

const shared = await openRedisLimits({ url: server.url, replicas: 3, timeout_ms: 1_000 }, { env: process.env, clock: () => now, log: createLogger(false, []) });
const run = `bench-${now}`;
const redisRate = await timeEach(DECISIONS, (i) => shared.rate({ tier: 'prod', rule: run, scope: `dev=d${i % SUBJECTS}`, limit: 1_000_000_000, periodMs: 3_600_000, amount: 1, op: 'take', now }));
const redisBudget = await timeEach(DECISIONS, (i) => shared.budget({
  tier: 'prod', budget: run, scope: `dev=d${i % SUBJECTS}`, limit: 1e12, windowStart: now - (now % 86_400_000), windowEnd: now - (now % 86_400_000) + 86_400_000,
  amount: 0.001, op: 'take', now, seed: async () => 0,
}));
const status = shared.status();
await shared.close();

/**
 * The same through a gateway (in process, the demo provider, sequential chat requests over
 * HTTP): a request's p50 with its rate limit and budget counted in process, then in Redis.
 */
async function throughGateway(store: boolean): Promise<{ p50: number; p99: number }> {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const policy = join(home, 'policy.yaml');
  writeFileSync(policy, `apiVersion: gatehouse/v1
org: bench
tiers:
  prod:
    rate_limits: [{ id: per-dev, scope: [metadata.dev], limit: { requests: 1000000000, per: 1h } }]
    budgets: [{ id: spend, scope: [metadata.dev], limit: { usd: 1000000, per: month } }]
`);
  ensureHome(home);
  const app = await buildGateway({
    config: ConfigSchema.parse({ policy, tiers: { active: 'prod', shadow: [] }, prices: { 'demo/echo': { input_per_mtok: 1, output_per_mtok: 1 } }, ...(store ? { limits: { store: { url: server.url, timeout_ms: 1000 } } } : {}) }),
    configFile: policy, home, token: { value: 'bench-token-0123456789', source: 'env', file: null }, logging: false,
  });
  const url = await listenLoopback(app, 0);
  const agent = new Agent({ connections: 1 });
  try {
    return await timeEach(3_000, async (i) => {
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST', dispatcher: agent,
        headers: { authorization: 'Bearer bench-token-0123456789', 'content-type': 'application/json', 'x-gatehouse-metadata': JSON.stringify({ dev: `d${i % SUBJECTS}` }) },
        body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`gateway answered ${res.statusCode}`);
    });
  } finally {
    await agent.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}
const gwMemory = await throughGateway(false);
const gwRedis = await throughGateway(true);
server.stop();

const f = (x: number) => `${(x * 1000).toFixed(1)} µs`;
console.log(`rate-limit decision, ${DECISIONS} sequential over ${SUBJECTS} subjects (p50 / p99):`);
console.log(`  in process (default)        ${f(inProcess.p50)} / ${f(inProcess.p99)}`);
console.log(`  Redis GCRA (loopback)       ${f(redisRate.p50)} / ${f(redisRate.p99)}   added p50 ${f(redisRate.p50 - inProcess.p50)} (target <= 1 ms)`);
console.log(`  Redis budget (loopback)     ${f(redisBudget.p50)} / ${f(redisBudget.p99)}`);
console.log(`request through the gateway (demo provider, a rate limit and a budget), 3000 sequential (p50 / p99):`);
console.log(`  limits in process           ${f(gwMemory.p50)} / ${f(gwMemory.p99)}`);
console.log(`  limits in Redis             ${f(gwRedis.p50)} / ${f(gwRedis.p99)}   added p50 ${f(gwRedis.p50 - gwMemory.p50)}`);
console.log(`  store: ${status.counters.shared_decisions} shared decisions, ${status.counters.local_decisions} local, ${status.counters.timeouts} timeouts`);
