import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../core/ids.js';
import { closeDatabase, openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { TraceQuerySchema } from './schema.js';
import { tempDir } from './testing.js';
import { TraceStore } from './traces.js';

const query = (q: Record<string, string>) => TraceQuerySchema.parse(q);

describe('migration 4 on a database created at version 3', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('keeps the old rows with a null cost and makes them findable by rule, verdict and metadata', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const old = openDatabase(t.file, { migrations: MIGRATIONS.slice(0, 3) });
    const [a, b] = [uuidv7(Date.now() - 2000), uuidv7(Date.now() - 1000)];
    const insert = old.prepare(`INSERT INTO traces (id, started_at, ended_at, duration_ms, phases, caller, caller_user, api, method, path, tier,
      requested_model, resolved_model, provider, status, stream, tokens_in, tokens_out, metadata, request_headers, response_headers)
      VALUES (?, ?, ?, 1, '{}', '{"user":"ada","team":null,"agent":null}', 'ada', 'openai.chat', 'POST', '/v1/chat/completions', 'dev',
      'fast', 'openai/gpt-4o-mini', 'openai', ?, 0, 10, 5, ?, '{}', '{}')`);
    insert.run(a, Date.now() - 2000, Date.now() - 1999, 200, '{"project":"checkout"}');
    insert.run(b, Date.now() - 1000, Date.now() - 999, 429, '{"project":"search"}');
    old.prepare(`INSERT INTO verdicts (trace_id, idx, tier, enforced, stage, rule, decision, mode, findings, reason)
      VALUES (?, 0, 'prod', 0, 'input_guardrails', 'pii', 'mutate', 'enforce', '[]', 'redacted an email')`).run(b);
    closeDatabase(old);

    const db = openDatabase(t.file);
    cleanups.push(() => closeDatabase(db));
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
    const store = new TraceStore(db);
    const all = store.list(query({}));
    expect(all.traces.map((x) => [x.id, x.cost_usd])).toEqual([[b, null], [a, null]]);
    expect(all.traces[0]!.fired).toEqual([{ tier: 'prod', rule: 'pii', stage: 'input_guardrails', decision: 'mutate', mode: 'enforce', enforced: false }]);
    expect(store.list(query({ rule: 'pii' })).traces.map((x) => x.id)).toEqual([b]);
    expect(store.list(query({ verdict: 'prod:mutate' })).traces.map((x) => x.id)).toEqual([b]);
    expect(store.list(query({ meta: 'project:checkout' })).traces.map((x) => x.id)).toEqual([a]);
    expect(store.list(query({ provider: 'openai' })).traces).toHaveLength(2);
    expect(store.list(query({ model: 'fast' })).traces).toHaveLength(2);
    expect(store.list(query({ model: 'openai/gpt-4o-mini', status: 'ok' })).traces.map((x) => x.id)).toEqual([a]);
    for (const status of ['error', '4xx', '429']) expect(store.list(query({ status })).traces.map((x) => x.id), status).toEqual([b]);
    expect(store.list(query({ rule: 'pii', status: '429' })).traces.map((x) => x.id)).toEqual([b]);
    expect(store.list(query({ rule: 'pii', status: 'ok' })).traces).toEqual([]);
    expect(store.get(a)!.cost_usd).toBeNull();
  });
});
