import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHome } from '../local-gateway/core/home.js';
import type { Verdict } from '../local-gateway/policy/schema.js';
import type { ReplayReport } from '../local-gateway/policy/replay.js';
import type { PolicyView } from '../local-gateway/policy/view.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import type { Trace } from '../local-gateway/store/schema.js';
import { makeTrace, toRecord } from '../local-gateway/store/testing.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { TraceWriter } from '../local-gateway/store/writer.js';
import { runCli, spawnGateway, type RunningGateway } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `apiVersion: gatehouse/v1
org: acme
version: 4
tiers:
  dev: {}
  prod:
    extends: dev
    metadata: { required: [ticket_id] }
    rate_limits:
      - { id: per-user, scope: [user], limit: { requests: 100, per: 1h } }
`;

describe('gatehouse policy check', () => {
  it('exits 0 with a one-line summary for a good bundle', () => {
    const r = runCli(['policy', 'check', file('good.yaml', GOOD)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${join(dir, 'good.yaml')}: ok: org acme, version 4, tiers dev, prod (extends dev); 1 rate limit, 0 budgets, 0 guardrails as written.\n`);
    const json = runCli(['policy', 'check', join(dir, 'good.yaml'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, org: 'acme', version: 4, tiers: ['dev', 'prod'] });
  });

  it('exits 1 listing every typo as file:line: path: message', () => {
    const bad = file(
      'bad.yaml',
      GOOD.replace('metadata: { required', 'metdata: { required')
        .replace('per: 1h', 'per: 1 hour')
        .concat('    guardrails:\n      - { id: g, type: deny_regex, hook: llm_input, action: validate, config: { patterns: [] } }\n'),
    );
    const r = runCli(['policy', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `${bad}: 3 problems:`,
      `${bad}:8: tiers.prod.metdata: unknown key "metdata": did you mean "metadata"?`,
      `${bad}:10: tiers.prod.rate_limits[0].limit.per: use a window such as 30s, 15m, 1h, 7d, or minute, hour, day, week, month`,
      // The guardrail's own config is checked by its type, in the same pass.
      `${bad}:12: tiers.prod.guardrails[0].config.patterns: list at least one pattern`,
    ]);
    const g = runCli(['policy', 'check', file('bad-guardrail.yaml', GOOD.concat('    guardrails:\n      - { id: g, type: deny_regex, hook: llm_input, action: validate, config: { patterns: [] } }\n      - { id: h, type: pii_magic, hook: llm_input, action: validate }\n'))]);
    expect(g.code).toBe(1);
    expect(g.stderr).toContain(':12: tiers.prod.guardrails[0].config.patterns: list at least one pattern');
    expect(g.stderr).toContain(':13: tiers.prod.guardrails[1].type: unknown guardrail type "pii_magic"');
    const json = runCli(['policy', 'check', bad, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problems: [{ line: 8, path: 'tiers.prod.metdata' }, { line: 10 }, { line: 12 }] });
  });

  it('words a guardrail config\'s mistakes like the bundle\'s own, with the key meant', () => {
    const bad = file('bad-config.yaml', GOOD.concat('    guardrails:\n      - { id: g, type: deny_regex, hook: llm_input, action: validate, config: { patterns: [3], case_insensitve: true } }\n'));
    const r = runCli(['policy', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').slice(1)).toEqual([
      `${bad}:12: tiers.prod.guardrails[0].config.patterns[0]: must be a string, not the number 3`,
      `${bad}:12: tiers.prod.guardrails[0].config.case_insensitve: unknown key "case_insensitve": did you mean "case_insensitive"?`,
    ]);
  });

  it('exits 2 on bad usage and 1 on a missing file, saying what to do', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const none = runCli(['policy', 'check'], { GATEHOUSE_HOME: home, GATEHOUSE_CONFIG: '' });
    expect(none).toMatchObject({ code: 2, stderr: 'No policy file: name one (gatehouse policy check FILE) or set policy: in gatehouse.yaml.\n' });
    expect(runCli(['policy', 'frobnicate']).code).toBe(2);
    expect(runCli(['policy', 'check', 'x.yaml', '--strict']).code).toBe(2);
    const missing = runCli(['policy', 'check', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such policy file');
  });
});

describe('gatehouse policy show and diff', () => {
  it('shows the config\'s policy when no gateway runs, as text and as JSON', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const config = file('show.yaml', `policy: ${join(dir, 'good.yaml')}\ntiers: { active: dev, shadow: [prod] }\n`);
    const json = runCli(['policy', 'show', '--json', '--config', config], { GATEHOUSE_HOME: home });
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout) as PolicyView;
    expect(view).toMatchObject({ org: 'acme', version: 4, source: 'file', last_error: null, tiers: { active: 'dev', shadow: ['prod'] } });
    const text = runCli(['policy', 'show', '--config', config], { GATEHOUSE_HOME: home });
    expect(text.stdout).toContain('Policy acme version 4');
    expect(text.stdout).toContain('prod    metadata required: ticket_id');
  });

  it('prints the step from one tier to another rule by rule; an unknown tier is bad usage', () => {
    const r = runCli(['policy', 'diff', join(dir, 'good.yaml'), '--from', 'dev', '--to', 'prod']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dev → prod: 2 tighten, 0 loosen, 0 change (2 changes: 2 added, 0 tightened, 0 changed, 0 loosened, 0 removed)');
    expect(r.stdout).toMatch(/metadata +metadata\.ticket_id +added +prod requires metadata key ticket_id/);
    const bad = runCli(['policy', 'diff', join(dir, 'good.yaml'), '--to', 'qa']);
    expect(bad).toMatchObject({ code: 2, stderr: 'The policy has no tier "qa": pass --to one of dev, prod.\n' });
  });
});

describe('gatehouse start with a policy file', () => {
  let gw: RunningGateway | null = null;
  afterAll(() => {
    if (gw !== null && gw.child.exitCode === null) gw.child.kill('SIGKILL');
  });

  it('refuses to start on a bad policy, naming the line', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const policy = file('start-bad.yaml', GOOD.replace('per: 1h', 'per: 1 hour'));
    const config = file('start-bad-config.yaml', `policy: ${policy}\ntiers: { active: dev, shadow: [prod] }\n`);
    const r = runCli(['start', '--port', '0', '--config', config], { GATEHOUSE_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Policy not loaded');
    expect(r.stderr).toContain(`${policy}:10: tiers.prod.rate_limits[0].limit.per:`);
  });

  it('policy show asks the running gateway, which shows a refused edit while the last good policy stays', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const policy = file('live.yaml', GOOD);
    const config = file('live-config.yaml', `policy: ${policy}\ntiers: { active: dev, shadow: [prod] }\n`);
    gw = await spawnGateway(['--config', config], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: 'live-policy-token-123' });
    const show = () => JSON.parse(runCli(['policy', 'show', '--json', '--config', config], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: 'live-policy-token-123' }).stdout) as PolicyView;
    expect(show()).toMatchObject({ version: 4, last_error: null });
    const env = { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: 'live-policy-token-123' };
    const statusJson = () => (JSON.parse(runCli(['status', '--json'], env).stdout) as { policy: Record<string, unknown> }).policy;
    expect(statusJson()).toEqual({ source: 'file', file: policy, org: 'acme', version: 4, tiers: { active: 'dev', shadow: ['prod'], defined: ['dev', 'prod'] }, last_error: null });
    expect(runCli(['status'], env).stdout).toContain(`  Policy     acme v4 (file ${policy}); tiers dev, shadow prod\n`);
    writeFileSync(policy, GOOD.replace('version: 4', 'version: 5').replace('requests: 100', 'requests: -1'));
    const view = await waitFor(() => {
      const v = show();
      return v.last_error === null ? null : v;
    }, 'the running gateway to refuse the edit');
    expect(view.version).toBe(4);
    expect(view.last_error!.message).toContain(`${policy}:10: tiers.prod.rate_limits[0].limit.requests:`);
    const text = runCli(['policy', 'show', '--config', config], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: 'live-policy-token-123' });
    expect(text.stdout).toContain('by the running gateway');
    expect(text.stdout).toContain('Refused edit at');
    expect(statusJson()).toMatchObject({ version: 4, last_error: { file: policy, message: view.last_error!.message } });
    const status = runCli(['status'], env).stdout;
    expect(status).toContain(`  Refused    the edit of ${policy} at ${view.last_error!.at}; the policy above stays in force until it is fixed:`);
    expect(status).toContain(`${policy}:10: tiers.prod.rate_limits[0].limit.requests:`);
  });
});

describe('gatehouse policy replay', () => {
  const home = mkdtempSync(join(dir, 'replay-home-'));
  const traces: Trace[] = [];
  // One aligned hour, so the candidate's hourly limit counts all of them in one window.
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  const recorded = (over: Partial<Verdict>): Verdict => ({
    tier: 'prod', enforced: false, stage: 'metadata', rule: 'metadata.team', decision: 'block', mode: 'enforce', findings: [], reason: 'r', ...over,
  });

  beforeAll(async () => {
    const paths = ensureHome(home);
    const db = openDatabase(paths.db);
    const writer = new TraceWriter(new TraceStore(db), paths.journal, paths.db, (err) => {
      throw err;
    });
    // Seeded through the store's own write path: journal, then the importer thread.
    const contents = ['ok', 'my password is hunter2', 'ok', 'ok', 'password reset', 'ok'];
    contents.forEach((content, i) => {
      const t = makeTrace({
        started_at: hour + i * 60_000,
        caller: { user: 'ada', team: 'web', agent: null },
        metadata: i % 2 === 0 ? { ticket_id: `T-${i}` } : {},
        request_body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] },
        // As served, the old prod required a team key on every request.
        verdicts: [recorded({})],
      });
      traces.push(t);
      writer.write(toRecord(t));
    });
    await writer.close();
    closeDatabase(db);
  });

  const CANDIDATE = `apiVersion: gatehouse/v1
org: acme
version: 5
tiers:
  dev: {}
  prod:
    metadata: { required: [ticket_id] }
    rate_limits:
      - { id: per-user, scope: [user], limit: { requests: 1, per: 1h } }
    guardrails:
      - { id: passwords, type: deny_regex, hook: llm_input, action: validate, config: { patterns: ["password"] } }
`;

  it('reports per rule what the candidate would block, limit or no longer block, with example trace ids', () => {
    const candidate = file('candidate.yaml', CANDIDATE);
    const config = file('replay-config.yaml', 'tiers: { active: dev, shadow: [prod] }\n');
    const r = runCli(['policy', 'replay', candidate, '--last', '5', '--json', '--config', config], { GATEHOUSE_HOME: home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ReplayReport;
    // --last 5: the oldest seeded trace is left out.
    const ids = traces.slice(1).map((t) => t.id);
    expect(report).toMatchObject({ org: 'acme', version: 5, traces: 5, from: new Date(hour + 60_000).toISOString() });
    const rule = (name: string) => report.rules.find((x) => x.tier === 'prod' && x.rule === name)!;
    // Traces 1, 3 and 5 (ids 0, 2, 4 here) have no ticket_id.
    expect(rule('metadata.ticket_id')).toMatchObject({ effect: 'blocked', before: 0, after: 3, newly: 3, no_longer: 0, examples: { newly: [ids[0], ids[2], ids[4]] } });
    expect(rule('passwords')).toMatchObject({ stage: 'input_guardrails', effect: 'blocked', newly: 2, examples: { newly: [ids[0], ids[3]] } });
    // One request an hour for ada, counting only what prod would not refuse first (as enforced,
    // a request without a ticket never reaches the limit): her second ticketed request is limited.
    expect(rule('per-user')).toMatchObject({ stage: 'rate_limits', effect: 'limited', newly: 1, examples: { newly: [ids[3]] } });
    expect(rule('metadata.team')).toMatchObject({ effect: 'blocked', before: 5, after: 0, no_longer: 5 });
    expect(report.tiers).toEqual([
      { tier: 'dev', blocked_before: 0, blocked_after: 0 },
      // Only the 2nd replayed request has a ticket, no password and is within the limit.
      { tier: 'prod', blocked_before: 5, blocked_after: 4 },
    ]);

    const text = runCli(['policy', 'replay', candidate, '--last', '5', '--config', config], { GATEHOUSE_HOME: home });
    expect(text.stdout).toContain('Replayed 5 traces');
    expect(text.stdout).toContain(`prod metadata metadata.ticket_id: newly blocked 3 (e.g. ${ids[0]}, ${ids[2]}, ${ids[4]})`);
    expect(text.stdout).toContain('prod metadata metadata.team: no longer blocked 5');
  });

  it('refuses a bad --last and a home without traces', () => {
    const candidate = join(dir, 'candidate.yaml');
    expect(runCli(['policy', 'replay', candidate, '--last', 'all'], { GATEHOUSE_HOME: home }).code).toBe(2);
    const empty = runCli(['policy', 'replay', candidate], { GATEHOUSE_HOME: mkdtempSync(join(dir, 'empty-')) });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('No trace store at');
  });
});
