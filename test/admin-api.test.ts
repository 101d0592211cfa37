import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsSchema, TimelineSchema, UsageReportSchema, type Settings, type Timeline, type TracePage, type TraceSummary, type UsageReport } from '../local-gateway/admin/schemas.js';
import type { Trace } from '../local-gateway/store/schema.js';
import type { TierSummary } from '../local-gateway/store/verdicts.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const POLICY = `apiVersion: gatehouse/v1
org: acme
version: 3
tiers:
  dev:
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: audit, config: { patterns: ["4[0-9]{15}"], label: card } }
  prod:
    extends: dev
    metadata: { required: [ticket_id] }
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: enforce, config: { patterns: ["4[0-9]{15}"], label: card } }
`;

/** Per million tokens: round numbers, so each trace's cost can be worked out exactly. */
const PRICE = { input_per_mtok: 1, output_per_mtok: 2 };

let upstream: OpenAIStandin;
let gw: TestGateway;
let policyFile: string;
/** The seeded requests' trace ids, by name. */
type Seeded = 'plain' | 'card' | 'unpriced' | 'failed' | 'demo';
const ids = {} as Record<Seeded, string>;
let since: number;

async function get(path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(gw.url + path, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function page(query: string): Promise<TraceSummary[]> {
  return (await gw.api<TracePage>(`/api/traces?since=${since}&${query}`)).traces;
}

const idsOf = (traces: TraceSummary[]) => traces.map((t) => t.id);

beforeAll(async () => {
  upstream = await startOpenAIStandin();
  policyFile = writePolicy(POLICY);
  gw = await startGateway({
    ...upstreamConfig(upstream.url),
    providers: [
      { id: 'up', kind: 'openai', base_url: upstream.url, api_key: 'env:UPSTREAM_KEY' },
      { id: 'nokey', kind: 'openai', base_url: upstream.url, api_key: 'env:GATEHOUSE_TEST_UNSET_KEY' },
    ],
    prices: { 'up/gpt-4o-mini': PRICE },
    policy: policyFile,
    tiers: { active: 'dev', shadow: ['prod'] },
  });
  since = Date.now();
  const seed = async (name: Seeded, content: string, model: string, metadata: Record<string, string>, status: number) => {
    const r = await chat(gw, content, { model, metadata });
    expect(r.status, name).toBe(status);
    ids[name] = r.headers.get('x-gatehouse-trace-id')!;
  };
  await seed('plain', 'hello there', 'up/gpt-4o-mini', { project: 'checkout', ticket_id: 'T-1' }, 200);
  await seed('card', 'pay with 4111111111111111', 'up/gpt-4o-mini', { project: 'checkout' }, 200);
  await seed('unpriced', 'hi', 'up/mystery-model', { project: 'search' }, 200);
  await seed('failed', 'boom', 'up/fail-500', { project: 'search', ticket_id: 'T-4' }, 502);
  await seed('demo', 'from the demo', 'demo/echo', { project: 'demo', ticket_id: 'T-5' }, 200);
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  rmSync(dirname(policyFile), { recursive: true, force: true });
});

describe('GET /api/traces filters', () => {
  it('filters by provider, rule, tier verdict, metadata, status, model and until, each on its own', async () => {
    expect(idsOf(await page('provider=demo'))).toEqual([ids.demo]);
    expect(idsOf(await page('provider=up'))).toEqual([ids.failed, ids.unpriced, ids.card, ids.plain]);
    expect(idsOf(await page('rule=card'))).toEqual([ids.card]);
    expect(idsOf(await page('rule=metadata.ticket_id'))).toEqual([ids.unpriced, ids.card]);
    expect(idsOf(await page('verdict=prod:block'))).toEqual([ids.unpriced, ids.card]);
    // dev's card rule is in audit mode: its verdict is a block that was only recorded.
    expect(idsOf(await page('verdict=dev:block'))).toEqual([ids.card]);
    expect(idsOf(await page('verdict=prod:mutate'))).toEqual([]);
    expect(idsOf(await page('meta=project:checkout'))).toEqual([ids.card, ids.plain]);
    expect(idsOf(await page('meta=ticket_id:T-4'))).toEqual([ids.failed]);
    expect(idsOf(await page('status=error'))).toEqual([ids.failed]);
    expect(idsOf(await page('model=up/mystery-model'))).toEqual([ids.unpriced]);
    const unpriced = (await gw.api<Trace>(`/api/traces/${ids.unpriced}`)).started_at;
    expect(idsOf(await page(`until=${unpriced}`))).toEqual(idsOf(await page('provider=up')).slice(2));
  });

  it('combines filters, and pages through a tag filter with the cursor', async () => {
    expect(idsOf(await page('rule=card&meta=project:checkout&verdict=prod:block'))).toEqual([ids.card]);
    expect(idsOf(await page('meta=project:search&status=error'))).toEqual([ids.failed]);
    expect(idsOf(await page('meta=project:search&status=ok'))).toEqual([ids.unpriced]);
    expect(idsOf(await page('provider=up&model=up/gpt-4o-mini&status=ok'))).toEqual([ids.card, ids.plain]);
    const first = await gw.api<TracePage>(`/api/traces?since=${since}&verdict=prod:block&limit=1`);
    expect(idsOf(first.traces)).toEqual([ids.unpriced]);
    const second = await gw.api<TracePage>(`/api/traces?since=${since}&verdict=prod:block&limit=1&cursor=${first.next_cursor}`);
    expect(idsOf(second.traces)).toEqual([ids.card]);
    expect(second.next_cursor).toBeNull();
  });

  it('list items carry the verdicts that fired and the cost', async () => {
    const all = await page('limit=10');
    const byId = new Map(all.map((t) => [t.id, t]));
    const card = byId.get(ids.card)!;
    expect(card.fired).toEqual(
      expect.arrayContaining([
        { tier: 'prod', rule: 'card', stage: 'input_guardrails', decision: 'block', mode: 'enforce', enforced: false },
        { tier: 'prod', rule: 'metadata.ticket_id', stage: 'metadata', decision: 'block', mode: 'enforce', enforced: false },
        { tier: 'dev', rule: 'card', stage: 'input_guardrails', decision: 'block', mode: 'audit', enforced: true },
      ]),
    );
    expect(card.fired).toHaveLength(3);
    expect(byId.get(ids.plain)!.fired).toEqual([]);
    for (const name of ['plain', 'card'] as const) {
      const t = byId.get(ids[name])!;
      expect(t.tokens_in, name).toBeGreaterThan(0);
      expect(t.cost_usd, name).toBeCloseTo((t.tokens_in! * PRICE.input_per_mtok + t.tokens_out! * PRICE.output_per_mtok) / 1e6, 12);
    }
    // No price anywhere for the stand-in's made-up model, and none for an answer that never came.
    expect(byId.get(ids.unpriced)!.cost_usd).toBeNull();
    expect(byId.get(ids.failed)!.cost_usd).toBeNull();
    expect((await gw.api<Trace>(`/api/traces/${ids.plain}`)).cost_usd).toBe(byId.get(ids.plain)!.cost_usd);
  });

  it('refuses bad filters with a coded error that says what to send', async () => {
    for (const [query, says] of [
      ['verdict=prod:allow', 'prod:block'],
      ['verdict=prod', 'prod:block'],
      ['meta=project', 'key:value'],
      ['until=tomorrow', '"until" must be an ISO 8601 time'],
    ] as const) {
      const r = await get(`/api/traces?${query}`);
      expect(r.status, query).toBe(400);
      const err = (JSON.parse(r.text) as { error: { code: string; message: string } }).error;
      expect(err.code, query).toBe('GH_ERR_INVALID_QUERY');
      expect(err.message, query).toContain(says);
    }
  });
});

describe('GET /api/usage', () => {
  it('adds up to the traces sent, in total and by project', async () => {
    const traces = await page('limit=10');
    const sum = (f: (t: TraceSummary) => number | null) => traces.reduce((n, t) => n + (f(t) ?? 0), 0);
    const none = UsageReportSchema.parse(await gw.api<UsageReport>(`/api/usage?since=${since}`));
    expect(none.totals).toMatchObject({ requests: 5, errors: 1, tokens_in: sum((t) => t.tokens_in), tokens_out: sum((t) => t.tokens_out), tokens_cached: sum((t) => t.tokens_cached) });
    expect(none.totals.cost_usd).toBeCloseTo(sum((t) => t.cost_usd), 12);
    expect(none.totals.cost_usd).toBeGreaterThan(0);
    const today = new Date(traces[0]!.started_at).toISOString().slice(0, 10);
    expect(none.buckets.map((b) => [b.bucket, b.key])).toEqual([[today, null]]);

    const byProject = await gw.api<UsageReport>(`/api/usage?since=${since}&by=project&interval=hour`);
    expect(byProject.buckets.every((b) => /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/.test(b.bucket))).toBe(true);
    const requests = new Map<string | null, number>();
    for (const b of byProject.buckets) requests.set(b.key, (requests.get(b.key) ?? 0) + b.requests);
    expect(Object.fromEntries(requests)).toEqual({ checkout: 2, search: 2, demo: 1 });
    expect(byProject.totals).toEqual(none.totals);
    const byProvider = await gw.api<UsageReport>(`/api/usage?since=${since}&by=provider`);
    expect(byProvider.buckets.map((b) => [b.key, b.requests, b.errors])).toEqual([['demo', 1, 0], ['up', 4, 1]]);
    // Any metadata key groups: project is one the agents send.
    const byMeta = UsageReportSchema.parse(await gw.api<UsageReport>(`/api/usage?since=${since}&by=metadata.project&interval=hour`));
    expect(byMeta.by).toBe('metadata.project');
    expect(byMeta.buckets).toEqual(byProject.buckets);
    const byAbsent = await gw.api<UsageReport>(`/api/usage?since=${since}&by=metadata.cost_center`);
    expect(byAbsent.buckets.map((b) => [b.key, b.requests])).toEqual([[null, 5]]);
    const later = await gw.api<UsageReport>(`/api/usage?since=${Date.now() + 60_000}&until=${Date.now() + 3_600_000}`);
    expect(later.totals.requests).toBe(0);
  });

  it('exports CSV with a header row and a filename, the same numbers as the JSON', async () => {
    const r = await get(`/api/usage?since=${since}&by=model&format=csv`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="gatehouse-usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
    const [header, ...rows] = r.text.trimEnd().split('\r\n');
    expect(header).toBe('bucket,key,requests,errors,tokens_in,tokens_out,tokens_cached,cost_usd');
    const json = await gw.api<UsageReport>(`/api/usage?since=${since}&by=model`);
    expect(rows).toHaveLength(json.buckets.length);
    const cells = rows.map((row) => row.split(','));
    expect(cells.reduce((n, c) => n + Number(c[2]), 0)).toBe(5);
    expect(cells.reduce((n, c) => n + Number(c[4]), 0)).toBe(json.totals.tokens_in);
    expect(cells.reduce((n, c) => n + Number(c[7]), 0)).toBeCloseTo(json.totals.cost_usd, 12);
    expect(cells.map((c) => c[1])).toEqual(json.buckets.map((b) => b.key ?? ''));
  });

  it('refuses an unknown grouping and a window that ends before it starts', async () => {
    for (const by of ['color', "metadata.a'b", 'metadata.']) {
      const r = await get(`/api/usage?by=${encodeURIComponent(by)}`);
      expect(r.status, by).toBe(400);
      expect(r.text, by).toContain('GH_ERR_INVALID_QUERY');
    }
    const backwards = await get('/api/usage?since=2026-02-01&until=2026-01-01');
    expect(backwards.status).toBe(400);
    expect(JSON.parse(backwards.text)).toMatchObject({ error: { code: 'GH_ERR_INVALID_QUERY', param: 'until' } });
    expect(backwards.text).toContain('must be after');
  });
});

describe('prod preview: timeline and summary', () => {
  it('counts would-fire per rule per bucket', async () => {
    const t = TimelineSchema.parse(await gw.api<Timeline>(`/api/shadow/timeline?since=${since}`));
    expect(t.tier).toBe('prod');
    expect(t.interval).toBe('hour');
    const hour = `${new Date((await gw.api<Trace>(`/api/traces/${ids.card}`)).started_at).toISOString().slice(0, 13)}:00:00Z`;
    // A run across the top of the hour splits the counts over two buckets: sum per rule.
    const per = (rule: string) => t.series.filter((p) => p.rule === rule).reduce((n, p) => ({ count: n.count + p.count, block: n.block + p.block, mutate: n.mutate + p.mutate }), { count: 0, block: 0, mutate: 0 });
    expect(per('card')).toEqual({ count: 1, block: 1, mutate: 0 });
    expect(per('metadata.ticket_id')).toEqual({ count: 2, block: 2, mutate: 0 });
    expect(t.series.find((p) => p.rule === 'card')!.bucket).toBe(hour);
    const dev = await gw.api<Timeline>(`/api/shadow/timeline?since=${since}&tier=dev&interval=day`);
    expect(dev.series.map((p) => [p.rule, p.count])).toEqual([['card', 1]]);
    expect(dev.series[0]!.bucket).toBe(hour.slice(0, 10));
  });

  it('names the metadata and agents behind each rule, and the newest reason as advice', async () => {
    const s = await gw.api<{ tiers: TierSummary[] }>(`/api/shadow/summary?since=${since}&tier=prod`);
    const rule = (name: string) => s.tiers[0]!.rules.find((r) => r.rule === name)!;
    expect(rule('metadata.ticket_id').top_metadata).toEqual([
      { key: 'project', value: 'checkout', count: 1 },
      { key: 'project', value: 'search', count: 1 },
    ]);
    expect(rule('card').top_agents).toEqual([{ agent: 'node', count: 1 }]);
    const newest = (await gw.api<Trace>(`/api/traces/${ids.unpriced}`)).verdicts.find((v) => v.tier === 'prod' && v.rule === 'metadata.ticket_id')!;
    expect(rule('metadata.ticket_id').advice).toBe(newest.reason);
    expect(newest.reason).toContain('ticket_id');
  });
});

describe('GET /api/settings', () => {
  it('says whether each key is present, never its value, and gives setup snippets without the token', async () => {
    const r = await get('/api/settings');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(UPSTREAM_KEY);
    expect(r.text).not.toContain(TEST_TOKEN);
    const s: Settings = SettingsSchema.parse(JSON.parse(r.text));
    const provider = (id: string) => s.providers.find((p) => p.id === id)!;
    expect(provider('up')).toMatchObject({ kind: 'openai', base_url: upstream.url, key: { ref: 'env:UPSTREAM_KEY', present: true } });
    expect(provider('nokey').key).toEqual({ ref: 'env:GATEHOUSE_TEST_UNSET_KEY', present: false });
    expect(provider('demo')).toMatchObject({ kind: 'demo', base_url: null, key: { ref: null, present: false } });
    expect(s.token).toEqual({ source: 'env' });
    expect(s.enrollment).toEqual({ enrolled: false, central: null });
    expect(s.identity.source).toBe('os');
    expect(s.setup['claude-code']).toContain('ANTHROPIC_AUTH_TOKEN=<token>');
    expect(s.setup['claude-code']).toContain(gw.url);
    expect(s.setup.codex).toContain('GATEHOUSE_TOKEN=<token>');
    expect(s.setup.cursor).toContain(`${gw.url}/v1`);
    expect(s.setup.continue).toContain('apiKey: <token>');
  });
});
