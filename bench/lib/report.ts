/**
 * Turns bench figures into the printed tables and the pass/fail list of targets.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, Percentiles } from './measure.js';

export interface Check {
  name: string;
  figure: string;
  target: string;
  pass: boolean;
}

export interface BenchResults {
  meta: { node: string; cpus: number; date: string; seconds: number };
  latencyUs?: Record<string, Percentiles>;
  ttfbUs?: Record<string, Percentiles>;
  /** Sequential latency of agent-sized (hundreds of KiB) requests. */
  agentLatencyUs?: Record<string, Percentiles>;
  /** The same for a ~60 KB agent turn (the speed issue's figure). */
  agent60LatencyUs?: Record<string, Percentiles>;
  throughput?: Record<string, LoadResult>;
  memory?: { idleRss: number; peakRss?: number; soakAfter10k?: number; soakAfter100k?: number; soakSamples?: number[] };
  storage?: { turns: number; requestBytes: number; uniqueBytes: number; storedBytes: number; ratio: number };
  /** Policy evaluation per request (µs), in process: small chat body, an agent turn, an unseen agent conversation. */
  policyEvalUs?: Record<'small' | 'agentTurn' | 'agentUnseen', { activeUs: number; activeShadowUs: number }>;
  gatehouseError?: string;
  /** Set when a phase failed; the figures before it are still reported. */
  error?: string;
  checks: Check[];
}

export const MB = 1024 * 1024;
export const fmtMb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const fmtUs = (us: number): string => Math.round(us).toLocaleString('en-US');
const fmtRatio = (r: number): string => (Number.isFinite(r) ? r.toFixed(2) : 'n/a');

/** Left-aligns the first column and right-aligns the rest. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '))
    .join('\n');
}

/** Rows for a p50/p99 table, with what each server adds over calling the upstream directly. */
function percentileRows(by: Record<string, Percentiles>): string[][] {
  const direct = by.direct;
  const rows = [['', 'p50 µs', 'p99 µs', 'added p50', 'added p99', 'n']];
  for (const [name, p] of Object.entries(by)) {
    const added = name === 'direct' || !direct ? ['—', '—'] : [fmtUs(p.p50 - direct.p50), fmtUs(p.p99 - direct.p99)];
    rows.push([name, fmtUs(p.p50), fmtUs(p.p99), ...added, String(p.n)]);
  }
  return rows;
}

/** gatehouse-added / bare-added for a percentile; NaN when either is missing. */
export function addedRatio(by: Record<string, Percentiles>, q: 'p50' | 'p99', name = 'gatehouse'): number {
  const { direct, bare } = by;
  const gatehouse = by[name];
  if (!direct || !bare || !gatehouse) return Number.NaN;
  return (gatehouse[q] - direct[q]) / Math.max(1, bare[q] - direct[q]);
}

function section(title: string, body: string): string {
  return `\n${title}\n${'-'.repeat(title.length)}\n${body}\n`;
}

/** The two ratio lines under a latency table: gatehouse and gatehouse+policy over bare. */
function ratioLine(by: Record<string, Percentiles>): string {
  const withPolicy = by['gatehouse+policy'] ? `, gatehouse+policy-added / bare-added: p50 ${fmtRatio(addedRatio(by, 'p50', 'gatehouse+policy'))}` : '';
  return `gatehouse-added / bare-added: p50 ${fmtRatio(addedRatio(by, 'p50'))}${withPolicy}`;
}

export function render(r: BenchResults, cfg: { latencyN: number; ttfbN: number; agentN: number; agentKb: number; agent60Kb: number; loadSeconds: number; connections: number }): string {
  let out = `Gatehouse bench — node ${r.meta.node}, ${r.meta.cpus} cpus, ${r.meta.date}, ${r.meta.seconds.toFixed(0)} s\n`;
  if (r.gatehouseError) out += `\n!! Gatehouse could not be started, its figures are missing:\n${r.gatehouseError}\n`;
  if (r.error) out += `\n!! The bench stopped early:\n${r.error}\n`;
  if (r.latencyUs) {
    const ratio = `gatehouse-added / bare-added: p50 ${fmtRatio(addedRatio(r.latencyUs, 'p50'))}, p99 ${fmtRatio(addedRatio(r.latencyUs, 'p99'))}`;
    const withPolicy = r.latencyUs['gatehouse+policy'] ? `\ngatehouse+policy-added / bare-added: p50 ${fmtRatio(addedRatio(r.latencyUs, 'p50', 'gatehouse+policy'))}` : '';
    out += section(`Sequential latency, non-streaming, 1 keep-alive connection (${cfg.latencyN} req each)`, `${table(percentileRows(r.latencyUs))}\n${ratio}${withPolicy}`);
  }
  if (r.ttfbUs) {
    out += section(`Streaming time to first body byte (${cfg.ttfbN} req each)`, `${table(percentileRows(r.ttfbUs))}\n${ratioLine(r.ttfbUs)}`);
  }
  if (r.agent60LatencyUs) {
    out += section(`Agent turn (${cfg.agent60Kb} KiB of history), sequential (${cfg.agentN} req each)`, `${table(percentileRows(r.agent60LatencyUs))}\n${ratioLine(r.agent60LatencyUs)}`);
  }
  if (r.agentLatencyUs) {
    out += section(`Agent-sized requests (${cfg.agentKb} KiB of history), sequential (${cfg.agentN} req each)`, `${table(percentileRows(r.agentLatencyUs))}\n${ratioLine(r.agentLatencyUs)}`);
  }
  if (r.throughput) {
    const rows = [['', 'req/s', 'requests', 'non-2xx', 'errors']];
    for (const [name, l] of Object.entries(r.throughput)) rows.push([name, l.rps.toFixed(0), String(l.total), String(l.non2xx), String(l.errors)]);
    const { bare, gatehouse } = r.throughput;
    const policy = r.throughput['gatehouse+policy'];
    const withPolicy = bare && policy ? `, gatehouse+policy / bare: ${fmtRatio(policy.rps / bare.rps)}` : '';
    const ratio = bare && gatehouse ? `gatehouse / bare: ${fmtRatio(gatehouse.rps / bare.rps)}${withPolicy}` : '';
    out += section(`Throughput, autocannon, ${cfg.connections} connections, ${cfg.loadSeconds} s each`, `${table(rows)}\n${ratio}`);
  }
  if (r.policyEvalUs) {
    const p = r.policyEvalUs;
    const rows = [
      ['', 'dev (active) µs', 'dev + prod shadow µs'],
      ['small chat body', fmtUs(p.small.activeUs), fmtUs(p.small.activeShadowUs)],
      [`agent turn (${cfg.agentKb} KiB, new last message)`, fmtUs(p.agentTurn.activeUs), fmtUs(p.agentTurn.activeShadowUs)],
      [`agent conversation never seen (${cfg.agentKb} KiB)`, fmtUs(p.agentUnseen.activeUs), fmtUs(p.agentUnseen.activeShadowUs)],
    ];
    out += section('Policy evaluation per request, in process (all stages, both tiers)', table(rows));
  }
  if (r.memory) {
    const m = r.memory;
    const rows = [['Gatehouse RSS', ''], ['idle after start', fmtMb(m.idleRss)]];
    if (m.peakRss !== undefined) rows.push(['peak during throughput run', fmtMb(m.peakRss)]);
    (m.soakSamples ?? []).forEach((rss, i) => rows.push([`10-hour day: after ${(i + 1) * 10}k mixed requests`, fmtMb(rss)]));
    out += section('Memory', table(rows));
  }
  if (r.storage) {
    const s = r.storage;
    const rows = [
      ['', 'bytes'],
      ['request bodies sent (what a naive store keeps)', s.requestBytes.toLocaleString('en-US')],
      ['unique content (distinct messages + responses)', s.uniqueBytes.toLocaleString('en-US')],
      ['stored (gatehouse.db after checkpoint)', s.storedBytes.toLocaleString('en-US')],
    ];
    out += section(`Storage, ${s.turns}-turn agent conversation`, `${table(rows)}\nstored / unique: ${fmtRatio(s.ratio)}`);
  }
  const checks = [['Target', 'figure', 'limit', 'result'], ...r.checks.map((c) => [c.name, c.figure, c.target, c.pass ? 'PASS' : 'FAIL'])];
  out += section('Targets', table(checks));
  return out;
}

/** The pass/fail list, from whatever figures the run produced. */
export function checks(r: BenchResults): Check[] {
  const out: Check[] = [];
  const latency = (label: string, by: Record<string, Percentiles> | undefined, limit: number) => {
    for (const name of ['gatehouse', 'gatehouse+policy']) {
      if (!by?.[name]) continue;
      const ratio = addedRatio(by, 'p50', name);
      out.push({ name: `${label}, ${name} / bare (p50)`, figure: fmtRatio(ratio), target: `≤ ${limit.toFixed(1)}`, pass: ratio <= limit });
    }
  };
  latency('small chat added', r.latencyUs, 1.5);
  latency('60 KB agent turn added', r.agent60LatencyUs, 2.0);
  latency('streaming first byte added', r.ttfbUs, 1.5);
  if (r.throughput) {
    const { bare, gatehouse } = r.throughput;
    if (bare && gatehouse) {
      const ratio = gatehouse.rps / bare.rps;
      out.push({ name: 'throughput, gatehouse / bare', figure: fmtRatio(ratio), target: '≥ 0.7', pass: ratio >= 0.7 });
    }
    const bad = Object.values(r.throughput).reduce((n, l) => n + l.non2xx + l.errors, 0);
    out.push({ name: 'non-2xx + errors under load', figure: String(bad), target: '= 0', pass: bad === 0 });
  }
  const m = r.memory;
  if (m) out.push({ name: 'RSS idle', figure: fmtMb(m.idleRss), target: '≤ 70 MB', pass: m.idleRss <= 70 * MB });
  if (m?.peakRss !== undefined) out.push({ name: 'RSS peak under load', figure: fmtMb(m.peakRss), target: '≤ 200 MB', pass: m.peakRss <= 200 * MB });
  if (m?.soakAfter10k !== undefined && m.soakAfter100k !== undefined) {
    const growth = m.soakAfter100k - m.soakAfter10k;
    // "No growth beyond noise": V8 heap and SQLite page cache settle within a few MB.
    out.push({ name: 'RSS growth, 10k → 100k mixed requests', figure: fmtMb(growth), target: '≤ 20 MB', pass: growth <= 20 * MB });
  }
  if (r.storage) {
    out.push({ name: 'storage, stored / unique', figure: fmtRatio(r.storage.ratio), target: '≤ 1.5', pass: r.storage.ratio <= 1.5 });
  }
  if (r.gatehouseError) out.push({ name: 'gatehouse started', figure: 'no', target: 'yes', pass: false });
  if (r.error) out.push({ name: 'bench completed', figure: 'no', target: 'yes', pass: false });
  return out;
}

/** Writes a bench's figures as JSON under the checkout's `test-results/` (not committed), for comparing runs. */
export function writeResults(root: string, file: string, data: unknown): void {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results', file), `${JSON.stringify(data, null, 2)}\n`);
}

/** What every bench records beside its figures: where and when it ran. */
export function runMeta(n: number): { node: string; cpus: number; date: string; n: number } {
  return { node: process.version, cpus: cpus().length, date: new Date().toISOString(), n };
}
