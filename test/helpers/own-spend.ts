import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import type { GatewayStatus } from '../../local-gateway/admin/schemas.js';
import { PATHS } from '../../sync/protocol.js';
import { spawnCentral, type RunningCentral } from './cli.js';

/**
 * For the tests of the central's own spend: replicas as real `gatehouse central start`
 * processes in front of an OpenAI stand-in, clients on the official SDK, and what the clients
 * received summed up to compare with the central's ledger.
 */

export const OWN_ADMIN = 'gh_admin_own_spend_test_token_0123456789';
/** USD per million tokens: what the clients' usage costs at the prices the replicas are configured with. */
export const PRICE = { input_per_mtok: 1000, output_per_mtok: 3000 };

/** A fresh home holding the replica's gatehouse.yaml: the stand-in as provider `up`, priced. */
export function replicaHome(upstreamUrl: string): string {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-own-spend-'));
  writeFileSync(join(home, 'gatehouse.yaml'), stringify({
    providers: [{ id: 'up', kind: 'openai', base_url: upstreamUrl, api_key: 'env:UPSTREAM_KEY', models: ['gpt-4o-mini'] }],
    prices: { 'up/gpt-4o-mini': PRICE },
  }));
  return home;
}

export function startReplica(home: string, storage: string, env: NodeJS.ProcessEnv, drainMs: number): Promise<RunningCentral> {
  return spawnCentral(['--port', '0', '--home', home, '--storage', storage, '--drain-ms', String(drainMs)], { GATEHOUSE_ADMIN_TOKEN: OWN_ADMIN, GATEHOUSE_ORG: 'acme', ...env });
}

export async function admin<T>(base: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${OWN_ADMIN}`, ...(init.body === undefined ? {} : { 'content-type': typeof init.body === 'string' ? 'text/yaml' : 'application/json' }) },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export interface Caller {
  user: string;
  team: string;
  pat: string;
}

export async function createCaller(base: string, user: string, team: string): Promise<Caller> {
  const { pat } = await admin<{ pat: string }>(base, PATHS.adminPats, { method: 'POST', body: { user, team } });
  return { user, team, pat };
}

/** What the clients received, in total and per user. */
export interface Received {
  requests: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  byUser: Map<string, { requests: number; tokens_in: number; tokens_out: number; cost_usd: number }>;
}

export const emptyReceived = (): Received => ({ requests: 0, tokens_in: 0, tokens_out: 0, cost_usd: 0, byUser: new Map() });

/**
 * `n` chat completions through the official SDK, spread over the replicas and callers, each
 * with a ticket in its metadata; the usage each answer carried is added to `into`.
 */
export async function serve(replicas: readonly RunningCentral[], callers: readonly Caller[], n: number, into: Received, tag: string): Promise<void> {
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const caller = callers[i % callers.length]!;
    const client = new OpenAI({ apiKey: caller.pat, baseURL: `${replicas[i % replicas.length]!.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create(
      { model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: `${tag} request ${i} ${'x'.repeat(i * 7)}` }] },
      { headers: { 'x-gatehouse-metadata': JSON.stringify({ ticket_id: `${tag}-${i}` }) } },
    );
    const u = res.usage!;
    const cost = (u.prompt_tokens * PRICE.input_per_mtok + u.completion_tokens * PRICE.output_per_mtok) / 1_000_000;
    for (const sum of [into, mapEntry(into.byUser, caller.user)]) {
      sum.requests += 1;
      sum.tokens_in += u.prompt_tokens;
      sum.tokens_out += u.completion_tokens;
      sum.cost_usd += cost;
    }
  }));
}

function mapEntry(m: Received['byUser'], user: string) {
  let e = m.get(user);
  if (!e) m.set(user, (e = { requests: 0, tokens_in: 0, tokens_out: 0, cost_usd: 0 }));
  return e;
}

interface UsageRow { key: string | null; requests: number; tokens_in: number; tokens_out: number; cost_usd: number }
interface StoredRecord { record_id: string; trace_id: string; device_id: string; seq: number; user: string; team: string | null; metadata: Record<string, string> }

/** The central's ledger through its admin API (either backend): usage by user, and every record. */
export async function ledger(base: string): Promise<{ byUser: UsageRow[]; records: StoredRecord[] }> {
  const { rows } = await admin<{ rows: UsageRow[] }>(base, `${PATHS.adminUsage}?by=user`);
  const records: StoredRecord[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const page: { records: StoredRecord[]; next_cursor: string | null } = await admin(base, `${PATHS.adminRecords}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    records.push(...page.records);
    cursor = page.next_cursor;
  }
  return { byUser: rows, records };
}

/** True once the ledger holds exactly what the clients received (requests, tokens, cost per user). */
export function matches(l: Awaited<ReturnType<typeof ledger>>, got: Received): boolean {
  if (l.records.length !== got.requests) return false;
  return [...got.byUser].every(([user, want]) => {
    const row = l.byUser.find((r) => r.key === user);
    return row !== undefined && row.requests === want.requests && row.tokens_in === want.tokens_in && row.tokens_out === want.tokens_out && Math.abs(row.cost_usd - want.cost_usd) < 1e-9;
  });
}

/** The replica's own outbox, as its status reports it (admin token). */
export async function ownOutbox(base: string): Promise<GatewayStatus['sync']['outbox']> {
  return (await admin<GatewayStatus>(base, '/api/status')).sync.outbox;
}
