/**
 * `npm run bench:soak [-- --minutes 30 --agents 6]`: a steady mixed load for a long time, to
 * show that nothing grows or slows. Agents run growing conversations (each turn resends the
 * whole history plus a 2–4 KB code message, reset after `turns`), every third turn streamed,
 * through `gatehouse start` (dev enforced, prod in shadow, full bodies traced) in front of the
 * OpenAI stand-in, each in its own process. Every minute it prints requests, errors, p50/p99
 * and the gateway's RSS; at the end the first and last minute side by side.
 *
 * Writes test-results/bench-soak.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { codeMessage, type Message } from './lib/conversation.js';
import { percentiles } from './lib/measure.js';
import { benchPolicy } from './lib/policy.js';
import { freePort, rssBytes, runBench, startChild, stopAll, waitHealthy } from './lib/procs.js';
import { fmtMb, table, writeResults } from './lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TOKEN = 'bench-soak-token';
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, agents: { type: 'string', default: '6' }, turns: { type: 'string', default: '30' } } });
const CFG = { minutes: Number(values.minutes), agents: Number(values.agents), turns: Number(values.turns) };

interface Minute {
  minute: number;
  requests: number;
  errors: number;
  latenciesMs: number[];
  rss: number;
}

async function startGateway(standinPort: number, scratch: string) {
  const home = join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'policy.yaml'), benchPolicy());
  const config = join(home, 'gatehouse.yaml');
  writeFileSync(
    config,
    [
      'providers:',
      '  - id: standin',
      '    kind: openai',
      `    base_url: http://127.0.0.1:${standinPort}/v1`,
      '    api_key: env:STANDIN_API_KEY',
      'policy: ./policy.yaml',
      'tiers: { active: dev, shadow: [prod] }',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const { child, match } = await startChild('gatehouse', [join(ROOT, 'bin/gatehouse.js'), 'start'], {
    cwd: ROOT,
    ready: /(http:\/\/127\.0\.0\.1:\d+)\/v1/,
    timeoutMs: 20_000,
    env: { GATEHOUSE_HOME: home, GATEHOUSE_PORT: String(port), GATEHOUSE_TOKEN: TOKEN, GATEHOUSE_CONFIG: config, GATEHOUSE_KEYCHAIN: 'off', STANDIN_API_KEY: 'sk-bench' },
  });
  await waitHealthy(`${match}/healthz`);
  return { child, origin: match };
}

/** One agent: conversation after conversation until `stopAt`, recording each turn in its minute. */
async function agent(id: number, origin: string, stopAt: number, record: (ms: number, ok: boolean) => void): Promise<void> {
  const client = new Client(origin, { pipelining: 1 });
  // The bench policy's prod tier requires metadata: the shadow tier has something to say.
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-gatehouse-metadata': JSON.stringify({ team: 'soak', surface: 'ide-agent' }) };
  try {
    for (let conversation = 0; Date.now() < stopAt; conversation++) {
      const history: Message[] = [{ role: 'system', content: `You are agent ${id}. Answer with a patch.` }];
      for (let turn = 0; turn < CFG.turns && Date.now() < stopAt; turn++) {
        history.push({ role: 'user', content: codeMessage(id * 100_000 + conversation * 1000 + turn) });
        const stream = turn % 3 === 2;
        const body = JSON.stringify({ model: 'standin/bench-model', messages: history, ...(stream ? { stream: true } : {}) });
        const start = performance.now();
        let ok = false;
        let reply = '';
        try {
          const res = await client.request({ method: 'POST', path: '/v1/chat/completions', headers, body });
          const text = await res.body.text();
          ok = res.statusCode === 200 && (!stream || text.includes('[DONE]'));
          if (ok && !stream) reply = (JSON.parse(text) as { choices: { message: { content: string | null } }[] }).choices[0]?.message.content ?? '';
          if (ok && stream) reply = 'streamed answer';
        } catch {
          ok = false;
        }
        record(performance.now() - start, ok);
        history.push({ role: 'assistant', content: reply });
      }
    }
  } finally {
    await client.close();
  }
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-soak-'));
  try {
    const standin = await startChild('stand-in', ['--import', 'tsx', join(ROOT, 'test/standins/openai-upstream.ts'), '--port', '0'], { cwd: ROOT, ready: /listening (http:\/\/\S+)/ });
    const gw = await startGateway(Number(new URL(standin.match).port), scratch);
    const begin = Date.now();
    const stopAt = begin + CFG.minutes * 60_000;
    const minutes: Minute[] = [];
    const current = (): Minute => {
      const m = Math.floor((Date.now() - begin) / 60_000);
      while (minutes.length <= m) minutes.push({ minute: minutes.length + 1, requests: 0, errors: 0, latenciesMs: [], rss: 0 });
      return minutes[m]!;
    };
    const record = (ms: number, ok: boolean) => {
      const m = current();
      m.requests++;
      if (!ok) m.errors++;
      m.latenciesMs.push(ms);
    };
    // RSS sampled every 5 s; a minute shows its highest sample.
    const sampler = setInterval(() => {
      const m = current();
      m.rss = Math.max(m.rss, rssBytes(gw.child.pid));
    }, 5000);
    const printer = setInterval(() => {
      const done = minutes[Math.floor((Date.now() - begin) / 60_000) - 1];
      if (done) process.stderr.write(`[soak] minute ${done.minute}: ${done.requests} requests, ${done.errors} errors, p50 ${percentiles(done.latenciesMs).p50.toFixed(1)} ms, p99 ${percentiles(done.latenciesMs).p99.toFixed(1)} ms, RSS ${fmtMb(done.rss)}\n`);
    }, 60_000);
    await Promise.all(Array.from({ length: CFG.agents }, (_, i) => agent(i, gw.origin, stopAt, record)));
    clearInterval(sampler);
    clearInterval(printer);
    await stopAll();

    const full = minutes.filter((m) => m.requests > 0 && m.rss > 0).slice(0, CFG.minutes);
    const rows = full.map((m) => {
      const p = percentiles(m.latenciesMs);
      return [String(m.minute), String(m.requests), String(m.errors), `${p.p50.toFixed(1)} ms`, `${p.p99.toFixed(1)} ms`, fmtMb(m.rss)];
    });
    process.stdout.write(`\nSoak: ${CFG.agents} agents, growing conversations of up to ${CFG.turns} turns (every third streamed), ${CFG.minutes} min\n`);
    process.stdout.write(table([['minute', 'requests', 'errors', 'p50', 'p99', 'RSS (max)'], ...rows]) + '\n');
    // The first minute warms up (JIT, caches, the importer thread); compare the second with the last.
    const first = full[Math.min(1, full.length - 1)]!;
    const last = full[full.length - 1]!;
    const errors = full.reduce((n, m) => n + m.errors, 0);
    const rssGrowth = last.rss / first.rss - 1;
    const p99Growth = percentiles(last.latenciesMs).p99 / percentiles(first.latenciesMs).p99 - 1;
    process.stdout.write(
      `\nminute ${first.minute} → ${last.minute}: RSS ${fmtMb(first.rss)} → ${fmtMb(last.rss)} (${(rssGrowth * 100).toFixed(1)}%), ` +
        `p99 ${percentiles(first.latenciesMs).p99.toFixed(1)} → ${percentiles(last.latenciesMs).p99.toFixed(1)} ms (${(p99Growth * 100).toFixed(1)}%), errors ${errors}\n`,
    );
    writeResults(ROOT, 'bench-soak.json', { cfg: CFG, minutes: full.map((m) => ({ ...m, latenciesMs: undefined, p: percentiles(m.latenciesMs) })) });
    // Targets of the hardening issue: RSS flat within 10%, p99 flat, zero errors.
    return errors === 0 && rssGrowth <= 0.1 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

runBench(main);
