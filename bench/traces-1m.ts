/**
 * A page of 100 traces from a store of 1,000,000, per list filter: p50 and p99 of
 * `TraceStore.list` (the code behind `GET /api/traces`), first pages and pages at a random
 * point of the month (a cursor), on a real SQLite file.
 *
 *   npm run bench:traces            # builds the file on first run (minutes), then reuses it
 *   npx tsx bench/traces-1m.ts --rebuild
 *   npx tsx bench/traces-1m.ts --text    # only the free-text cases
 *
 * The file is built through the store's own insert path (`insertMany`, the importer's), so its
 * rows, tags, verdicts and blobs are what the gateway writes; it is kept under the OS temp
 * dir, named by a hash of the schema's SQL and this generator's version, and reused.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { uuidv7, uuidv7LowerBound } from '../local-gateway/core/ids.js';
import type { Verdict } from '../local-gateway/policy/schema.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { TraceQuerySchema, type Trace } from '../local-gateway/store/schema.js';
import { makeTrace } from '../local-gateway/store/testing.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { traces1mFile } from './lib/traces-1m-file.js';

const TRACES = 1_000_000;
const BATCH = 5_000;
const DAYS = 30;
const RUNS = 200;
/** Free-text pages through the search index (store/search.ts). */
const TEXT_RUNS = 100;

const FILE = traces1mFile();

/** provider, model, share of traffic (sums to 1). */
const MODELS: [string, string, number][] = [
  ['openai', 'gpt-4o-mini', 0.3],
  ['openai', 'gpt-4.1', 0.15],
  ['openai', 'o4-mini', 0.05],
  ['anthropic', 'claude-sonnet-4-5', 0.2],
  ['anthropic', 'claude-haiku-4-5', 0.1],
  ['gemini', 'gemini-2.5-flash', 0.08],
  ['gemini', 'gemini-2.5-pro', 0.02],
  ['ollama', 'llama3.1:8b', 0.05],
  ['demo', 'echo', 0.05],
];
const PROJECTS = 20;
const TEAMS = 8;
const AGENTS = ['claude-cli/2.1.197', 'codex_cli_rs/0.169.0', 'OpenAI/JS 6.4.0', 'Continue/1.2', 'python-httpx/0.27'];

/** A deterministic generator (mulberry32), so every build holds the same traces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickModel(r: number): [string, string] {
  let acc = 0;
  for (const [p, m, share] of MODELS) {
    acc += share;
    if (r < acc) return [p, m];
  }
  return ['openai', 'gpt-4o-mini'];
}

function status(r: number): number {
  if (r < 0.95) return 200;
  if (r < 0.97) return 429;
  if (r < 0.98) return 502;
  if (r < 0.99) return 400;
  return 403;
}

function verdict(tier: string, stage: Verdict['stage'], rule: string, decision: Verdict['decision'], mode: Verdict['mode']): Verdict {
  return { tier, enforced: tier === 'dev', stage, rule, decision, mode, findings: decision === 'allow' ? [] : [{ type: rule, start: 0, end: 5 }], reason: `${rule} ${decision}` };
}

/** Shares: no ticket 40% (prod blocks), pii 10% (mutated in both tiers), card 1%, injection 3% (audit). */
function verdicts(random: () => number, hasTicket: boolean): Verdict[] {
  const out = [verdict('dev', 'model_access', 'models.allow', 'allow', 'enforce')];
  if (!hasTicket) out.push(verdict('prod', 'metadata', 'metadata.ticket_id', 'block', 'enforce'));
  if (random() < 0.1) out.push(verdict('dev', 'input_guardrails', 'pii', 'mutate', 'enforce'), verdict('prod', 'input_guardrails', 'pii', 'mutate', 'enforce'));
  if (random() < 0.01) out.push(verdict('prod', 'input_guardrails', 'card', 'block', 'enforce'));
  if (random() < 0.03) out.push(verdict('prod', 'input_guardrails', 'injection', 'block', 'audit'));
  return out;
}

function trace(i: number, startedAt: number, random: () => number): Trace {
  const [provider, model] = pickModel(random());
  const s = status(random());
  const hasTicket = random() < 0.6;
  const metadata: Record<string, string> = { project: `p${Math.floor(random() * PROJECTS)}`, team: `t${Math.floor(random() * TEAMS)}` };
  if (hasTicket) metadata.ticket_id = `ENG-${Math.floor(random() * 5000)}`;
  const agent = AGENTS[Math.floor(random() * AGENTS.length)]!;
  const tokensIn = 200 + Math.floor(random() * 20_000);
  const tokensOut = s === 200 ? 20 + Math.floor(random() * 2_000) : null;
  return makeTrace({
    id: uuidv7(startedAt),
    started_at: startedAt,
    ended_at: startedAt + 800,
    caller: { user: `dev-${i % 40}`, team: metadata.team!, agent },
    requested_model: model,
    resolved_model: `${provider}/${model}`,
    provider,
    status: s,
    error_code: s === 200 ? null : 'GH_ERR_UPSTREAM_ERROR',
    error_message: s === 200 ? null : `The provider answered ${s}.`,
    tokens_in: tokensIn,
    tokens_out: tokensOut,
    tokens_cached: null,
    tokens_reasoning: null,
    cost_usd: tokensOut === null ? null : (tokensIn * 0.15 + tokensOut * 0.6) / 1e6,
    metadata,
    request_headers: { 'content-type': 'application/json', 'user-agent': agent },
    verdicts: verdicts(random, hasTicket),
    request_body: {
      model,
      messages: [
        { role: 'system', content: 'You are a coding assistant working in the acme monorepo.' },
        { role: 'user', content: `Request ${i}: refactor module m${i % 997} and explain step ${i % 13}.` },
      ],
    },
    response_body: s === 200 ? { id: `r${i}`, object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: `Done with ${i}.` }, finish_reason: 'stop' }] } : { error: { message: `upstream ${s}` } },
  });
}

/** Builds the file beside its final name and renames it into place, so an interrupted build is never reused. */
function build(now: number): void {
  const partial = `${FILE}.partial`;
  rmSync(partial, { force: true });
  const db = openDatabase(partial);
  const store = new TraceStore(db);
  const random = rng(42);
  const from = now - DAYS * 86_400_000;
  const step = (DAYS * 86_400_000) / TRACES;
  const t0 = performance.now();
  let batch: Trace[] = [];
  for (let i = 0; i < TRACES; i++) {
    batch.push(trace(i, Math.floor(from + i * step), random));
    if (batch.length === BATCH) {
      store.insertMany(batch);
      batch = [];
      if ((i + 1) % 100_000 === 0) console.error(`  ${i + 1} traces, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  if (batch.length > 0) store.insertMany(batch);
  db.pragma('wal_checkpoint(TRUNCATE)');
  closeDatabase(db);
  for (const ext of ['-wal', '-shm']) rmSync(partial + ext, { force: true });
  renameSync(partial, FILE);
  console.error(`built ${TRACES} traces in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${FILE} (${(statSync(FILE).size / 2 ** 20).toFixed(0)} MiB)`);
}

interface Case {
  name: string;
  query: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'no filter', query: {} },
  { name: 'status=error (5%)', query: { status: 'error' } },
  { name: 'status=429 (2%)', query: { status: '429' } },
  { name: 'status=ok (95%)', query: { status: 'ok' } },
  { name: 'model=openai/gpt-4o-mini (30%)', query: { model: 'openai/gpt-4o-mini' } },
  { name: 'model=gemini-2.5-pro (2%)', query: { model: 'gemini-2.5-pro' } },
  { name: 'provider=anthropic (30%)', query: { provider: 'anthropic' } },
  { name: 'provider=ollama (5%)', query: { provider: 'ollama' } },
  { name: 'rule=pii (10%)', query: { rule: 'pii' } },
  { name: 'rule=card (1%)', query: { rule: 'card' } },
  { name: 'verdict=prod:block (~42%)', query: { verdict: 'prod:block' } },
  { name: 'verdict=dev:mutate (10%)', query: { verdict: 'dev:mutate' } },
  { name: 'meta=project:p3 (5%)', query: { meta: 'project:p3' } },
  { name: 'meta=ticket_id:ENG-42 (0.01%)', query: { meta: 'ticket_id:ENG-42' } },
  { name: 'since=7 days ago', query: { since: 'SINCE_7D' } },
  { name: 'status=error & model=openai/gpt-4o-mini', query: { status: 'error', model: 'openai/gpt-4o-mini' } },
  { name: 'status=429 & model=gemini-2.5-pro', query: { status: '429', model: 'gemini-2.5-pro' } },
  { name: 'status=error & provider=anthropic', query: { status: 'error', provider: 'anthropic' } },
  { name: 'rule=pii & meta=project:p3', query: { rule: 'pii', meta: 'project:p3' } },
  { name: 'verdict=prod:block & model=gpt-4.1', query: { verdict: 'prod:block', model: 'gpt-4.1' } },
];

const TEXT_CASES: Case[] = [
  { name: 'text="module m5" (11%)', query: { text: 'module m5' } },
  { name: 'text="no-such-words" (none)', query: { text: 'no-such-words' } },
  { name: 'text="Request 123456:" (1 trace)', query: { text: 'Request 123456:' } },
  { name: 'text="acme monorepo" (resent prompt)', query: { text: 'acme monorepo' } },
  { name: 'text="ENG-4242" (metadata)', query: { text: 'ENG-4242' } },
  { name: 'text="answered 502" (1%)', query: { text: 'answered 502' } },
  { name: 'text="module m5" & rule=card', query: { text: 'module m5', rule: 'card' } },
  { name: 'text="step 7" & status=429', query: { text: 'step 7', status: '429' } },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Timing {
  p50: number;
  p99: number;
  /** p99 of the CPU time this process spent on the page: what the query costs, without time spent waiting for a core. */
  cpu99: number;
  rows: number;
}

/** Wall and CPU ms of `runs` pages; `cursor` pages start at a random point of the month. */
function time(store: TraceStore, c: Case, runs: number, cursor: boolean, now: number, random: () => number): Timing {
  const ms: number[] = [];
  const cpu: number[] = [];
  let rows = 0;
  for (let i = -1; i < runs; i++) {
    const q: Record<string, string> = { ...c.query, limit: '100' };
    if (q.since === 'SINCE_7D') q.since = String(now - 7 * 86_400_000);
    if (cursor) q.cursor = uuidv7LowerBound(now - random() * DAYS * 86_400_000);
    const parsed = TraceQuerySchema.parse(q);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const page = store.list(parsed);
    const took = performance.now() - t0;
    const used = process.cpuUsage(c0);
    // The first run warms the statement cache and the pages.
    if (i >= 0) {
      ms.push(took);
      cpu.push((used.user + used.system) / 1000);
    }
    rows = page.traces.length;
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), cpu99: percentile(cpu, 99), rows };
}

/** What the search index (migration 9) takes on disk, beside the bodies it indexes and the whole file. */
function searchIndexSize(db: ReturnType<typeof openDatabase>): void {
  const size = db.prepare<[string], number | null>('SELECT sum(pgsize) FROM dbstat WHERE name = ? AND aggregate = TRUE').pluck();
  const mib = (name: string) => (size.get(name) ?? 0) / 2 ** 20;
  const fts = (t: string) => ['_data', '_idx', '_docsize', '_config'].reduce((sum, s) => sum + mib(t + s), 0);
  const [own, blob, links, blobs] = [fts('trace_text'), fts('blob_text'), mib('blob_traces'), mib('blobs')];
  const file = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number) / 2 ** 20;
  console.log(`search index: trace_text ${own.toFixed(0)} MiB, blob_text ${blob.toFixed(0)} MiB, blob_traces ${links.toFixed(0)} MiB; ${(own + blob + links).toFixed(0)} MiB in all, ${(((own + blob + links) / file) * 100).toFixed(1)}% of the ${file.toFixed(0)} MiB file (the blobs it indexes: ${blobs.toFixed(0)} MiB)`);
}

function main(): void {
  const rebuild = process.argv.includes('--rebuild');
  if (rebuild || !existsSync(FILE)) {
    console.error(`building ${TRACES} traces into ${FILE} (once; later runs reuse it)…`);
    build(Date.now());
  }
  const db = openDatabase(FILE);
  // The newest trace's time stands for "now", so a cached file's month is still the one measured.
  const newest = db.prepare('SELECT max(started_at) FROM traces').pluck().get() as number;
  const now = newest + 1;
  const store = new TraceStore(db);
  const random = rng(7);
  console.log(`${store.count()} traces, ${(statSync(FILE).size / 2 ** 20).toFixed(0)} MiB; page = 100 rows; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  console.log(`ms per page, p50 / p99 wall / p99 CPU, of ${RUNS} pages (free text: of ${TEXT_RUNS})`);
  console.log(`${'filter'.padEnd(40)} ${'first page'.padStart(25)} ${'random cursor'.padStart(25)}  rows`);
  const fmt = (r: Timing) => `${r.p50.toFixed(2).padStart(7)} / ${r.p99.toFixed(2).padStart(7)} / ${r.cpu99.toFixed(2).padStart(7)}`;
  for (const c of process.argv.includes('--text') ? TEXT_CASES : [...CASES, ...TEXT_CASES]) {
    const runs = TEXT_CASES.includes(c) ? TEXT_RUNS : RUNS;
    const first = time(store, c, runs, false, now, random);
    const deep = time(store, c, runs, true, now, random);
    console.log(`${c.name.padEnd(40)} ${fmt(first)} ${fmt(deep)}  ${String(first.rows).padStart(4)}`);
  }
  console.log(`load average at the end ${loadavg()[0]!.toFixed(1)}`);
  searchIndexSize(db);
  closeDatabase(db);
}

main();
