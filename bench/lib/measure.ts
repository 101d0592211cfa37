/**
 * The measurements themselves: sequential latency and streaming time-to-first-byte with
 * one keep-alive connection per server (undici Client), throughput with autocannon, and
 * RSS sampling of a process while load runs.
 */
import autocannon from 'autocannon';
import { Client } from 'undici';
import { rssBytes } from './procs.js';

/** One server under test, addressed the way a client would call it. */
export interface Target {
  name: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  streamBody: string;
}

export interface Percentiles {
  p50: number;
  p99: number;
  n: number;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), n: sorted.length };
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

type Timer = (client: Client, t: Target) => Promise<number>;

/** Full request to last body byte, in µs. */
const timeWholeRequest: Timer = async (client, t) => {
  const start = nowUs();
  const res = await client.request({ method: 'POST', path: t.path, headers: t.headers, body: t.body });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`${t.name}: HTTP ${res.statusCode}`);
  return nowUs() - start;
};

/** Request sent to the first byte of an SSE body, in µs; the rest is read so the connection is reused. */
const timeFirstByte: Timer = async (client, t) => {
  const start = nowUs();
  const res = await client.request({ method: 'POST', path: t.path, headers: t.headers, body: t.streamBody });
  let first = 0;
  for await (const _chunk of res.body) {
    if (first === 0) first = nowUs();
  }
  if (res.statusCode !== 200) throw new Error(`${t.name}: HTTP ${res.statusCode}`);
  return first - start;
};

/**
 * Runs `n` timed rounds after `warmup` untimed ones. Each round calls every target once,
 * rotating who goes first, so drift on a shared 2-core machine hits all targets alike.
 */
async function interleaved(targets: Target[], n: number, warmup: number, timer: Timer): Promise<Map<string, Percentiles>> {
  const clients = targets.map((t) => new Client(t.origin, { pipelining: 1, keepAliveTimeout: 60_000 }));
  const samples = targets.map((): number[] => []);
  try {
    for (let round = 0; round < warmup + n; round++) {
      for (let k = 0; k < targets.length; k++) {
        const i = (round + k) % targets.length;
        const us = await timer(clients[i]!, targets[i]!);
        if (round >= warmup) samples[i]!.push(us);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return new Map(targets.map((t, i) => [t.name, percentiles(samples[i]!)]));
}

export function sequentialLatency(targets: Target[], n: number, warmup: number): Promise<Map<string, Percentiles>> {
  return interleaved(targets, n, warmup, timeWholeRequest);
}

export function streamingFirstByte(targets: Target[], n: number, warmup: number): Promise<Map<string, Percentiles>> {
  return interleaved(targets, n, warmup, timeFirstByte);
}

export interface LoadResult {
  rps: number;
  total: number;
  non2xx: number;
  errors: number;
}

/**
 * autocannon against one target: by duration (seconds) or by `amount` of requests. With
 * `bodies`, each connection sends them in turn (mixed shapes) instead of `t.body`.
 */
export async function load(t: Target, connections: number, run: { seconds: number } | { amount: number }, bodies?: string[]): Promise<LoadResult> {
  const result = await autocannon({
    url: t.origin + t.path,
    method: 'POST',
    headers: t.headers,
    body: t.body,
    ...(bodies ? { requests: bodies.map((body) => ({ method: 'POST' as const, path: t.path, headers: t.headers, body })) } : {}),
    connections,
    ...('amount' in run ? { amount: run.amount } : { duration: run.seconds }),
  });
  const seconds = result.duration > 0 ? result.duration : 1;
  return {
    rps: 'amount' in run ? result.requests.total / seconds : result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak in bytes. */
export function sampleRss(pid: number, everyMs: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process is gone; the caller will notice
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
