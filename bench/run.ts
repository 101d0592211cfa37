/**
 * `npm run bench`: measures Gatehouse against the OpenAI stand-in called directly and
 * through a bare Node proxy (the floor), each server in its own process, in one run.
 * Prints tables with ratios and pass/fail per target, writes test-results/bench.json, and
 * exits 1 when a target fails or Gatehouse could not be started. See bench/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { playConversation, storedBytes } from './lib/conversation.js';
import { load, sampleRss, sequentialLatency, streamingFirstByte } from './lib/measure.js';
import type { LoadResult, Target } from './lib/measure.js';
import { freePort, rssBytes, runBench, startChild, stopAll, stopChild, waitHealthy } from './lib/procs.js';
import type { Child } from './lib/procs.js';
import { BENCH_API_KEY, BENCH_TOKEN } from './lib/secrets.js';
import { benchPolicy } from './lib/policy.js';
import { checks, render, writeResults } from './lib/report.js';
import { policyEval } from './policy-eval.js';
import type { BenchResults } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
// `--soak N` shortens the 10-hour day (100k requests, most of the run's time) for a quick look.
const { values: argv } = parseArgs({ options: { soak: { type: 'string', default: '100000' } } });
const soakTotal = Number(argv.soak);
if (!Number.isInteger(soakTotal) || soakTotal < 10_000 || soakTotal % 10_000 !== 0) {
  process.stderr.write(`bench: --soak takes a multiple of 10000 (the RSS is read every 10k requests), not "${argv.soak}"\n`);
  process.exit(2);
}
const CFG = {
  latencyN: 1500,
  latencyWarmup: 200,
  ttfbN: 300,
  ttfbWarmup: 50,
  agentN: 200,
  agentWarmup: 20,
  agentKb: 256,
  /** The agent turn of the speed issue's figures: about 60 KB of history. */
  agent60Kb: 60,
  connections: 16,
  loadSeconds: 5,
  warmupSeconds: 1,
  /** The 10-hour day: mixed shapes, RSS read every `soakEvery` requests. */
  soakEvery: 10_000,
  soakTotal,
  turns: 50,
  token: BENCH_TOKEN,
  apiKey: BENCH_API_KEY,
};

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say hello to the benchmark in one short sentence.' },
];
const chatBody = (model: string, stream: boolean): string => JSON.stringify(stream ? { model, messages, stream } : { model, messages });

/** An agent-sized request: a conversation of code and logs, about `kb` KiB of JSON. */
function agentBody(model: string, kb: number): string {
  const chunk = 'export function handler(req, res) {\n  const id = req.params.id; // 0f3c2a9e-5b1d-4c7e-9a8f\n  return res.json({ ok: true, id });\n}\n';
  const history = [];
  for (let i = 0; history.length * 4096 < kb * 1024; i++) {
    history.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: `step ${i}\n${chunk.repeat(Math.ceil(4096 / chunk.length))}` });
  }
  return JSON.stringify({ model, messages: [{ role: 'system', content: 'You are a coding agent.' }, ...history] });
}

function target(name: string, origin: string, model: string, auth?: string): Target {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${auth}`;
  return { name, origin, path: '/v1/chat/completions', headers, body: chatBody(model, false), streamBody: chatBody(model, true) };
}

const tsxChild = (name: string, script: string, args: string[]) =>
  startChild(name, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });

interface Gatehouse {
  child: Child;
  origin: string;
  home: string;
}

/**
 * `node bin/gatehouse.js start` with a fresh home and a config pointing at the stand-in;
 * with `policy`, the bench policy's dev tier enforced and its prod tier in shadow.
 */
async function startGatehouse(standinPort: number, scratch: string, label: string, policy = false): Promise<Gatehouse> {
  const home = join(scratch, label);
  mkdirSync(home, { recursive: true });
  const config = join(home, 'gatehouse.yaml');
  const lines = [
    'providers:',
    '  - id: standin',
    '    kind: openai',
    `    base_url: http://127.0.0.1:${standinPort}/v1`,
    '    api_key: env:STANDIN_API_KEY',
  ];
  if (policy) {
    writeFileSync(join(home, 'policy.yaml'), benchPolicy());
    lines.push('policy: ./policy.yaml', 'tiers: { active: dev, shadow: [prod] }', 'prices: { "standin/bench-model": { input_per_mtok: 0.15, output_per_mtok: 0.6 } }');
  }
  writeFileSync(config, [...lines, ''].join('\n'));
  const port = await freePort();
  const { child, match } = await startChild(`gatehouse (${label})`, [join(ROOT, 'bin/gatehouse.js'), 'start'], {
    cwd: ROOT,
    ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/,
    timeoutMs: 20_000,
    env: {
      GATEHOUSE_HOME: home,
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_TOKEN: CFG.token,
      GATEHOUSE_CONFIG: config,
      STANDIN_API_KEY: CFG.apiKey,
    },
  });
  await waitHealthy(`${match}/healthz`);
  return { child, origin: match, home };
}

/** One autocannon warm-up, then the measured run; samples the Gatehouse RSS peak if given. */
async function throughputOf(t: Target, rssPid?: number): Promise<{ result: LoadResult; peak?: number }> {
  await load(t, CFG.connections, { seconds: CFG.warmupSeconds });
  const sampler = rssPid === undefined ? undefined : sampleRss(rssPid, 100);
  const result = await load(t, CFG.connections, { seconds: CFG.loadSeconds });
  return { result, peak: sampler?.stop() };
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function measureServers(r: BenchResults, targets: Target[], gh: Gatehouse | undefined): Promise<void> {
  if (gh) {
    await sleep(500); // let start-up allocations settle before reading the idle figure
    r.memory = { idleRss: rssBytes(gh.child.pid) };
  }
  log(`sequential latency: ${CFG.latencyN} requests × ${targets.length} servers`);
  r.latencyUs = Object.fromEntries(await sequentialLatency(targets, CFG.latencyN, CFG.latencyWarmup));
  log(`streaming first byte: ${CFG.ttfbN} requests × ${targets.length} servers`);
  r.ttfbUs = Object.fromEntries(await streamingFirstByte(targets, CFG.ttfbN, CFG.ttfbWarmup));
  r.throughput = {};
  for (const t of targets) {
    log(`throughput: ${t.name}`);
    const isGate = t.name === 'gatehouse';
    const { result, peak } = await throughputOf(t, isGate ? gh?.child.pid : undefined);
    r.throughput[t.name] = result;
    if (isGate && r.memory && peak !== undefined) r.memory.peakRss = peak;
  }
}

/** Runs after the memory figures: hundreds of KiB per request grow the heap, which would skew them. */
async function agentSized(r: BenchResults, targets: Target[]): Promise<void> {
  const sized = (kb: number) => targets.map((t) => ({ ...t, body: agentBody(modelOf(t), kb) }));
  log(`agent-sized requests (${CFG.agent60Kb} KiB): ${CFG.agentN} requests × ${targets.length} servers`);
  r.agent60LatencyUs = Object.fromEntries(await sequentialLatency(sized(CFG.agent60Kb), CFG.agentN, CFG.agentWarmup));
  log(`agent-sized requests (${CFG.agentKb} KiB): ${CFG.agentN} requests × ${targets.length} servers`);
  r.agentLatencyUs = Object.fromEntries(await sequentialLatency(sized(CFG.agentKb), CFG.agentN, CFG.agentWarmup));
}

const modelOf = (t: Target): string => (JSON.parse(t.body) as { model: string }).model;

async function measurePolicyEval(r: BenchResults): Promise<void> {
  log('policy evaluation in process: dev tier, then dev + prod shadow');
  // Bodies are parsed from JSON text for each request, as the server does: fresh strings.
  const parsed = (o: unknown) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  const small = () => parsed(JSON.parse(chatBody('standin/bench-model', false)));
  const agent = JSON.parse(agentBody('standin/bench-model', CFG.agentKb)) as { messages: { content: string }[] };
  // A new last message each time: what an agent turn looks like (the history was seen before).
  const nextTurn = (i: number) => parsed({ ...agent, messages: [...agent.messages, { role: 'user', content: `turn ${i}: ${agent.messages[1]!.content}` }] });
  // Every message new: the cost of a conversation the gateway has never seen.
  const unseen = (i: number) => parsed({ ...agent, messages: agent.messages.map((m) => ({ ...m, content: `${i} ${m.content}` })) });
  r.policyEvalUs = {
    small: await policyEval(small, 20_000),
    agentTurn: await policyEval(nextTurn, 200),
    agentUnseen: await policyEval(unseen, 20),
  };
}

/**
 * A developer's 10-hour day in one go: 100k requests of mixed shapes (per 10: seven small
 * chats, two streamed, one 60 KB agent turn), RSS read after every 10k.
 */
async function soak(r: BenchResults, t: Target, gh: Gatehouse): Promise<void> {
  if (!r.memory) return;
  log(`soak (10-hour day): ${CFG.soakTotal.toLocaleString('en-US')} requests of mixed shapes through gatehouse`);
  const agent = agentBody(modelOf(t), CFG.agent60Kb);
  const mix = [t.body, t.body, t.streamBody, t.body, t.body, agent, t.body, t.streamBody, t.body, t.body];
  const samples: number[] = [];
  let bad = 0;
  for (let done = 0; done < CFG.soakTotal; done += CFG.soakEvery) {
    const part = await load(t, CFG.connections, { amount: CFG.soakEvery }, mix);
    bad += part.non2xx + part.errors;
    samples.push(rssBytes(gh.child.pid));
  }
  r.memory.soakSamples = samples;
  r.memory.soakAfter10k = samples[0];
  // A shortened day has no 100k figure, so the growth check is left out rather than passed.
  if (CFG.soakTotal === 100_000) r.memory.soakAfter100k = samples.at(-1);
  if (bad > 0) throw new Error(`soak: ${bad} requests failed`);
}

async function storage(r: BenchResults, standinPort: number, scratch: string): Promise<void> {
  log(`storage: ${CFG.turns}-turn conversation through a fresh gatehouse`);
  const gh = await startGatehouse(standinPort, scratch, 'conversation');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${CFG.token}` };
  const conv = await playConversation(gh.origin, headers, 'standin/bench-model', CFG.turns);
  const stopped = await stopChild(gh.child, 10_000);
  if (stopped.killed) log('gatehouse did not exit within 10 s of SIGTERM and was killed');
  r.storage = { ...conv, ...storedBytes(join(gh.home, 'gatehouse.db'), conv.uniqueBytes) };
}

async function main(): Promise<number> {
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const r: BenchResults = {
    meta: { node: process.version, cpus: cpus().length, date: new Date().toISOString(), seconds: 0 },
    checks: [],
  };
  try {
    const standin = await tsxChild('stand-in', 'test/standins/openai-upstream.ts', ['--port', '0']);
    const standinPort = Number(new URL(standin.match).port);
    const bare = await tsxChild('bare proxy', 'bench/bare-proxy.ts', ['--port', '0', '--upstream', `http://127.0.0.1:${standinPort}`]);
    const targets = [
      target('direct', `http://127.0.0.1:${standinPort}`, 'bench-model'),
      target('bare', bare.match, 'bench-model'),
    ];
    let gh: Gatehouse | undefined;
    let ghPolicy: Gatehouse | undefined;
    try {
      gh = await startGatehouse(standinPort, scratch, 'load');
      targets.push(target('gatehouse', gh.origin, 'standin/bench-model', CFG.token));
      ghPolicy = await startGatehouse(standinPort, scratch, 'policy', true);
      targets.push(target('gatehouse+policy', ghPolicy.origin, 'standin/bench-model', CFG.token));
    } catch (err) {
      r.gatehouseError = err instanceof Error ? err.message : String(err);
      log('gatehouse did not start; measuring the servers that did');
    }
    await measureServers(r, targets, gh);
    await measurePolicyEval(r);
    const gateTarget = targets.find((t) => t.name === 'gatehouse');
    if (gh && gateTarget) await soak(r, gateTarget, gh);
    // The policy gateway idles through the soak (its memory is not measured) and joins the agent-sized run.
    await agentSized(r, targets);
    if (ghPolicy) await stopChild(ghPolicy.child);
    if (gh && gateTarget) {
      await stopChild(gh.child);
      await storage(r, standinPort, scratch);
    }
  } catch (err) {
    // Keep what was measured so far: a failing phase still shows the figures before it.
    r.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  } finally {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
  r.meta.seconds = (performance.now() - started) / 1000;
  r.checks = checks(r);
  process.stdout.write(render(r, CFG));
  writeResults(ROOT, 'bench.json', r);
  process.stdout.write('\nResults written to test-results/bench.json\n');
  return r.checks.every((c) => c.pass) ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

runBench(main);
