import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffTiers, type TierDiff } from '../local-gateway/policy/diff.js';
import { PolicyBundleSchema, resolveTier } from '../local-gateway/policy/schema.js';
import type { ReplayReport } from '../local-gateway/policy/replay.js';
import type { PolicyView } from '../local-gateway/policy/view.js';
import type { Trace } from '../local-gateway/store/schema.js';
import type { TierSummary } from '../local-gateway/store/verdicts.js';
import { runCli } from './helpers/cli.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';

const policyText = (version: number) => `apiVersion: gatehouse/v1
org: acme
version: ${version}
tiers:
  dev:
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: audit, config: { patterns: ["4[0-9]{15}"], label: card } }
  prod:
    extends: dev
    metadata: { required: [ticket_id] }
    models: { allow: ["demo/*"] }
    rate_limits:
      - { id: per-user, scope: [user], limit: { requests: 100, per: 1h } }
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: enforce, config: { patterns: ["4[0-9]{15}"], label: card } }
`;

interface Summary {
  since: string;
  traces: number;
  tiers: TierSummary[];
}

let policyFile: string;
let gw: TestGateway;

beforeAll(async () => {
  policyFile = writePolicy(policyText(7));
  gw = await startGateway({ policy: policyFile, tiers: { active: 'dev', shadow: ['prod'] } });
});
afterAll(async () => {
  await gw.close();
  rmSync(dirname(policyFile), { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(gw.url + path, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe('verdicts and the shadow summary', () => {
  it('stores each tier\'s verdicts with the trace and counts what prod would have done, with the newest trace ids', async () => {
    const since = new Date().toISOString();
    const ids: string[] = [];
    for (const content of ['pay with 4111111111111111', 'hello', 'card 4000000000000002 please']) {
      const r = await chat(gw, content, { model: 'demo/echo' });
      expect(r.status).toBe(200);
      ids.push(r.headers.get('x-gatehouse-trace-id')!);
    }
    const ok = await chat(gw, 'all fine', { model: 'demo/echo', metadata: { ticket_id: 'ENG-1' } });
    expect(ok.headers.get('x-gatehouse-shadow')).toBeNull();

    const trace = await gw.api<Trace>(`/api/traces/${ids[0]}`);
    const fired = trace.verdicts.filter((v) => v.decision !== 'allow').map((v) => `${v.tier}:${v.enforced}:${v.stage}:${v.rule}:${v.mode}`);
    expect(fired).toEqual(expect.arrayContaining(['dev:true:input_guardrails:card:audit', 'prod:false:metadata:metadata.ticket_id:enforce', 'prod:false:input_guardrails:card:enforce']));
    expect(trace.verdicts.find((v) => v.tier === 'prod' && v.rule === 'card')!.findings[0]).toMatchObject({ type: 'card', start: 9, end: 25 });

    const s = await gw.api<Summary>(`/api/shadow/summary?since=${encodeURIComponent(since)}`);
    expect(s.traces).toBe(4);
    const prod = s.tiers.find((t) => t.tier === 'prod')!;
    expect(prod.enforced).toBe(false);
    expect(prod.traces).toBe(3);
    expect(prod.blocked).toBe(3);
    const rule = (name: string) => prod.rules.find((r) => r.rule === name)!;
    expect(rule('metadata.ticket_id')).toMatchObject({ stage: 'metadata', count: 3, block: 3, newest_trace_ids: [...ids].reverse() });
    expect(rule('card')).toMatchObject({ stage: 'input_guardrails', count: 2, block: 2, newest_trace_ids: [ids[2], ids[0]] });
    const dev = s.tiers.find((t) => t.tier === 'dev')!;
    // dev's card rule is in audit mode: it fired twice and refused nothing.
    expect(dev).toMatchObject({ enforced: true, traces: 2, blocked: 0 });

    const onlyProd = await gw.api<Summary>(`/api/shadow/summary?since=${encodeURIComponent(since)}&tier=prod`);
    expect(onlyProd.tiers.map((t) => t.tier)).toEqual(['prod']);
    const later = await gw.api<Summary>(`/api/shadow/summary?since=${Date.now() + 60_000}`);
    expect(later).toMatchObject({ traces: 0, tiers: [] });
  });

  it('refuses a bad since with a coded error that says what to send', async () => {
    const r = await get('/api/shadow/summary?since=yesterday');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'GH_ERR_INVALID_QUERY' });
    expect(r.body.error!.message).toContain('ISO 8601');
  });
});

describe('POST /api/policy/replay', () => {
  async function post(body: unknown): Promise<{ status: number; body: ReplayReport & { error?: { code: string; message: string } } }> {
    const res = await fetch(`${gw.url}/api/policy/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as ReplayReport & { error?: { code: string; message: string } } };
  }

  it('replays the stored traffic against a candidate: what stops firing and what starts, with trace ids', async () => {
    const candidate = policyText(9).replace('metadata: { required: [ticket_id] }', 'metadata: { required: [] }').replaceAll('["4[0-9]{15}"]', '["hello"]');
    const r = await post({ policy: candidate, last: 4 });
    expect(r.status).toBe(200);
    // The first test's four requests, as served: three without a ticket, one saying hello.
    const page = await gw.api<{ traces: { id: string }[] }>('/api/traces?limit=4');
    const [okId, thirdId, helloId, firstId] = page.traces.map((t) => t.id);
    expect(r.body.traces).toBe(4);
    const rule = (tier: string, name: string) => r.body.rules.find((x) => x.tier === tier && x.rule === name)!;
    expect(rule('prod', 'metadata.ticket_id')).toMatchObject({ effect: 'blocked', before: 3, after: 0, no_longer: 3, examples: { no_longer: [firstId, helloId, thirdId] } });
    expect(rule('prod', 'card')).toMatchObject({ before: 2, after: 1, newly: 1, no_longer: 2, examples: { newly: [helloId] } });
    expect(rule('dev', 'card')).toMatchObject({ newly: 1, no_longer: 2 });
    expect(r.body.rules.some((x) => x.examples.newly.includes(okId!))).toBe(false);
  });

  it('refuses a candidate that does not validate, naming the line', async () => {
    const r = await post({ policy: policyText(9).replace('per: 1h', 'per: soon') });
    expect(r.status).toBe(400);
    expect(r.body.error!.code).toBe('GH_ERR_INVALID_POLICY');
    expect(r.body.error!.message).toContain('policy:13: tiers.prod.rate_limits[0].limit.per');
    expect((await post({ policy: policyText(9), tiers: ['qa'] })).body.error!.code).toBe('GH_ERR_UNKNOWN_TIER');
  });
});

describe('GET /api/policy/diff', () => {
  it('answers what diffTiers says, the same JSON `gatehouse policy diff --json` prints', async () => {
    const api = await gw.api<TierDiff>('/api/policy/diff?from=dev&to=prod');
    const bundle = PolicyBundleSchema.parse(parse(policyText(7)));
    expect(api).toEqual(diffTiers(resolveTier(bundle, 'dev'), resolveTier(bundle, 'prod')));
    expect(api.changes.map((c) => `${c.rule} ${c.change}`)).toEqual([
      'metadata.ticket_id added',
      'models.allow tightened',
      'models.allow changed',
      'per-user added',
      'card tightened',
    ]);
    // Defaults: the config's active tier to its first shadow tier.
    expect(await gw.api<TierDiff>('/api/policy/diff')).toEqual(api);

    const cli = runCli(['policy', 'diff', policyFile, '--from', 'dev', '--to', 'prod', '--json'], { GATEHOUSE_HOME: gw.home });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(api);
  });

  it('names the tiers there are when asked for one that is not', async () => {
    const r = await get('/api/policy/diff?from=dev&to=staging');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'GH_ERR_UNKNOWN_TIER', message: 'The policy in force has no tier "staging": pass to= one of dev, prod.' });
  });
});

describe('GET /api/policy with a watched file', () => {
  it('shows the policy in force; a bad edit appears as last_error with its line while the last good one stays; a good edit applies', async () => {
    const before = await gw.api<PolicyView>('/api/policy');
    expect(before).toMatchObject({ org: 'acme', version: 7, source: 'file', file: policyFile, last_error: null, last_sync: null });
    expect(before.tiers).toEqual({ active: 'dev', shadow: ['prod'], defined: ['dev', 'prod'] });
    expect(Object.keys(before.resolved)).toEqual(['dev', 'prod']);

    writeFileSync(policyFile, policyText(8).replace('per: 1h', 'per: hourly'));
    const refused = await waitFor(async () => (await gw.api<PolicyView>('/api/policy')).last_error, 'the edit to be refused');
    expect(refused.message).toBe(`${policyFile}:13: tiers.prod.rate_limits[0].limit.per: use a window such as 30s, 15m, 1h, 7d, or minute, hour, day, week, month`);
    expect((await gw.api<PolicyView>('/api/policy')).version).toBe(7);
    // Requests keep running on the last good policy.
    expect((await chat(gw, 'hi', { model: 'demo/echo' })).headers.get('x-gatehouse-shadow')).toContain('metadata.ticket_id');

    writeFileSync(policyFile, policyText(8).replace('required: [ticket_id]', 'required: [ticket_id, team]'));
    await waitFor(async () => (await gw.api<PolicyView>('/api/policy')).version === 8, 'version 8 to apply');
    expect((await gw.api<PolicyView>('/api/policy')).last_error).toBeNull();
    expect((await chat(gw, 'hi', { model: 'demo/echo' })).headers.get('x-gatehouse-shadow')).toContain('metadata.team');
  });
});
