/**
 * How long a start takes to rebuild the rate-limit counters from stored traces: 100,000
 * traces in the current hour (the bench policy's longest rate-limit window), in a real
 * SQLite file, replayed for the dev tier and the prod shadow tier (13 rules).
 *
 *   npx tsx bench/restore-limits.ts
 */
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { createPolicyEngine } from '../local-gateway/pipeline/tier-runs.js';
import { restoreLimits } from '../local-gateway/pipeline/restore-limits.js';
import { windowOf } from '../local-gateway/policy/engine/index.js';
import { createPriceBook } from '../local-gateway/policy/engine/prices.js';
import { PolicyBundleSchema } from '../local-gateway/policy/schema.js';
import { staticPolicy } from '../local-gateway/policy/source.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { makeTrace, tempDir } from '../local-gateway/store/testing.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { benchPolicy } from './lib/policy.js';

const TRACES = 100_000;
const RUNS = 5;
const SURFACES = ['ide-agent-0', 'cli-1', 'ci-2', 'notebook-3', 'script-4', 'other'];

function fill(store: TraceStore, from: number, to: number): void {
  const step = (to - from) / TRACES;
  const batch = [];
  for (let i = 0; i < TRACES; i++) {
    batch.push(
      makeTrace({
        started_at: Math.floor(from + i * step),
        phases: { authenticate: 0.1, rate_limits: 0.01, provider: 400 },
        caller: { user: `dev-${i % 50}`, team: 'bench', agent: null },
        metadata: { team: 'bench', surface: SURFACES[i % SURFACES.length]! },
        tokens_in: 1_000 + (i % 700),
        tokens_out: 200 + (i % 300),
        request_body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `turn ${i}` }] },
      }),
    );
    if (batch.length === 5_000) store.insertMany(batch.splice(0));
  }
}

function engineAt(now: number) {
  return createPolicyEngine({
    source: staticPolicy(PolicyBundleSchema.parse(parse(benchPolicy())), ['dev', 'prod']),
    tiers: { active: 'dev', shadow: ['prod'] },
    prices: createPriceBook({}),
    clock: () => now,
  });
}

const t = tempDir();
try {
  const db = openDatabase(t.file);
  const store = new TraceStore(db);
  // The last minute of an hour: the whole hour's traces are in the open window.
  const hour = windowOf('1h', Date.now() - 3_600_000);
  const now = hour.end - 30_000;
  fill(store, hour.start, now);
  const ms: number[] = [];
  let counted = 0;
  for (let i = 0; i < RUNS; i++) {
    const engine = engineAt(now);
    const t0 = performance.now();
    counted = restoreLimits(engine, store);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  console.log(`restore rate limits: ${counted} traces replayed for dev + prod shadow; median ${ms[RUNS >> 1]!.toFixed(0)} ms (min ${ms[0]!.toFixed(0)}, max ${ms[RUNS - 1]!.toFixed(0)}) over ${RUNS} starts`);
  closeDatabase(db);
} finally {
  t.cleanup();
}
