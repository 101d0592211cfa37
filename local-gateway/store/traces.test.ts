import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatehouseError } from '../core/errors.js';
import { closeDatabase, openDatabase } from './db.js';
import type { Trace, TraceQuery } from './schema.js';
import { TraceQuerySchema } from './schema.js';
import { TraceStore } from './traces.js';
import { makeTrace, tempDir } from './testing.js';

const query = (q: Partial<Record<keyof TraceQuery, string>>): TraceQuery => TraceQuerySchema.parse(q);

/** Every id a query matches, following next_cursor page by page. */
function allPages(store: TraceStore, q: Partial<Record<keyof TraceQuery, string>>): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = store.list(query({ ...q, ...(cursor === undefined ? {} : { cursor }) }));
    ids.push(...page.traces.map((t) => t.id));
    if (page.next_cursor === null) return ids;
    expect(page.traces.length).toBe(Number(q.limit ?? 50));
    cursor = page.next_cursor;
  }
}

describe('TraceStore', () => {
  const t = tempDir();
  const db = openDatabase(t.file);
  const store = new TraceStore(db);
  const traces: Trace[] = [];
  const base = Date.UTC(2025, 0, 1);
  const statuses = [200, 200, 201, 429, 500, 502, 400, 200];

  beforeAll(() => {
    for (let i = 0; i < 300; i++) {
      const trace = makeTrace({
        started_at: base + i * 60_000,
        status: statuses[i % statuses.length]!,
        requested_model: i % 3 === 0 ? 'engineering-assistant' : 'gpt-4o-mini',
        resolved_model: i % 3 === 0 ? 'anthropic/claude-sonnet-4-5' : 'openai/gpt-4o-mini',
        provider: i % 3 === 0 ? 'anthropic' : 'openai',
        error_message: i % 8 === 4 ? 'Upstream Overloaded' : null,
        caller: { user: i % 10 === 0 ? 'grace' : 'ada', team: null, agent: i % 7 === 0 ? 'claude-cli/2.1.197' : null },
        metadata: { ticket_id: `ENG-${i}` },
        stream: i % 2 === 0,
        request_body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question number ${i} about Kubernetes${i % 50 === 0 ? ' and ZEBRAS' : ''}` }] },
        response_body: i % 2 === 0 ? `data: {"n":${i}}\n\ndata: [DONE]\n\n` : { id: `r${i}`, choices: [{ message: { content: 'ZEBRAS in the answer only' } }] },
      });
      traces.push(trace);
      store.insert(trace);
    }
  });
  afterAll(() => {
    closeDatabase(db);
    t.cleanup();
  });

  const newestFirst = (pred: (tr: Trace) => boolean): string[] => traces.filter(pred).map((tr) => tr.id).reverse();

  it('gives back exactly the trace it was given', () => {
    for (const tr of [traces[0]!, traces[1]!, traces[299]!]) expect(store.get(tr.id)).toStrictEqual(tr);
    expect(store.get('no-such-id')).toBeNull();
  });

  it('lists summaries newest first, paginated with a cursor', () => {
    const first = store.list(query({ limit: '10' }));
    expect(first.traces.map((s) => s.id)).toEqual(newestFirst(() => true).slice(0, 10));
    expect(first.traces[0]).not.toHaveProperty('request_body');
    expect(first.traces[0]).not.toHaveProperty('request_headers');
    expect(first.next_cursor).toBe(first.traces[9]!.id);
    expect(allPages(store, { limit: '7' })).toEqual(newestFirst(() => true));
    expect(store.list(query({ limit: '300' })).next_cursor).toBeNull();
  });

  it.each([
    ['429', (tr: Trace) => tr.status === 429],
    ['5xx', (tr: Trace) => tr.status >= 500 && tr.status < 600],
    ['2xx', (tr: Trace) => tr.status >= 200 && tr.status < 300],
    ['ok', (tr: Trace) => tr.status < 400],
    ['error', (tr: Trace) => tr.status >= 400],
  ])('filters status %s', (status, pred) => {
    expect(allPages(store, { status, limit: '13' })).toEqual(newestFirst(pred));
  });

  it('filters by requested or resolved model', () => {
    const virtual = newestFirst((tr) => tr.requested_model === 'engineering-assistant');
    expect(allPages(store, { model: 'engineering-assistant' })).toEqual(virtual);
    expect(allPages(store, { model: 'anthropic/claude-sonnet-4-5' })).toEqual(virtual);
  });

  it('filters by since, as ISO 8601 or Unix milliseconds', () => {
    const from = base + 250 * 60_000;
    const expected = newestFirst((tr) => tr.started_at >= from);
    expect(allPages(store, { since: new Date(from).toISOString() })).toEqual(expected);
    expect(allPages(store, { since: String(from) })).toEqual(expected);
  });

  it('refuses an invalid since with a coded 400 error', () => {
    for (const since of ['yesterday', '2025-13-45T99:00:00Z', 'March 7']) {
      const err = (() => { try { store.list(query({ since })); } catch (e) { return e; } return null; })();
      expect(err).toBeInstanceOf(GatehouseError);
      expect(err).toMatchObject({ code: 'GH_ERR_INVALID_QUERY', statusCode: 400, message: expect.stringContaining('since') });
    }
  });

  it.each([
    ['error message', 'overloaded', (tr: Trace) => tr.error_message !== null],
    ['caller user', 'GRACE', (tr: Trace) => tr.caller.user === 'grace'],
    ['caller agent', 'claude-cli', (tr: Trace) => tr.caller.agent !== null],
    ['metadata', 'eng-123', (tr: Trace) => tr.metadata.ticket_id!.startsWith('ENG-123')],
    ['provider', 'anthrop', (tr: Trace) => tr.provider === 'anthropic'],
    ['request content, not response content', 'zebras', (tr: Trace) => JSON.stringify(tr.request_body).includes('ZEBRAS')],
    ['request content with LIKE wildcards taken literally', 'number 1_', () => false],
    ['request content with a percent sign', '%', () => false],
  ])('finds free text in the %s', (_where, text, pred) => {
    expect(allPages(store, { text, limit: '20' })).toEqual(newestFirst(pred));
  });

  it('combines filters', () => {
    const expected = newestFirst((tr) => tr.status >= 500 && tr.provider === 'anthropic' && tr.started_at >= base + 100 * 60_000);
    expect(expected.length).toBeGreaterThan(0);
    expect(allPages(store, { status: '5xx', text: 'anthropic', since: String(base + 100 * 60_000), limit: '3' })).toEqual(expected);
  });

  it('counts traces, blobs and bytes', () => {
    expect(store.count()).toBe(300);
    const stats = store.stats();
    expect(stats.traces).toBe(300);
    expect(stats.blobs).toBeGreaterThan(300);
    expect(stats.bytes).toBeGreaterThan(0);
  });
});

describe('durability', () => {
  it('keeps a trace whose insert returned in a process then killed with SIGKILL', async () => {
    const t = tempDir();
    const trace = makeTrace();
    const here = resolve(import.meta.dirname);
    const child = join(t.dir, 'child.ts');
    writeFileSync(child, `
      import { openDatabase } from ${JSON.stringify(join(here, 'db.ts'))};
      import { TraceStore } from ${JSON.stringify(join(here, 'traces.ts'))};
      const store = new TraceStore(openDatabase(${JSON.stringify(t.file)}));
      store.insert(${JSON.stringify(trace)});
      process.stdout.write('inserted\\n');
      setInterval(() => {}, 1000);
    `);
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8');
    await new Promise<void>((done, fail) => {
      proc.stdout.on('data', (chunk: string) => { out += chunk; if (out.includes('inserted')) done(); });
      proc.on('exit', (code) => fail(new Error(`child exited with ${code} before inserting`)));
    });
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    const db = openDatabase(t.file);
    expect(new TraceStore(db).get(trace.id)).toStrictEqual(trace);
    closeDatabase(db);
    t.cleanup();
  });
});

describe('remembered blob ids', () => {
  it('are forgotten when a transaction rolls back, so no trace points at a blob that was never stored', () => {
    const t = tempDir();
    const db = openDatabase(t.file);
    try {
      const store = new TraceStore(db);
      const first = makeTrace();
      store.insert(first);
      // Same id again: the insert fails after its new blob was interned, and the transaction rolls back.
      const fresh = { role: 'user', content: 'content seen for the first time in a failed insert' };
      expect(() => store.insert({ ...first, request_body: { model: 'm', messages: [fresh] } })).toThrow(/UNIQUE/);
      const second = makeTrace({ request_body: { model: 'm', messages: [fresh] } });
      store.insert(second);
      expect(store.get(second.id)?.request_body).toEqual({ model: 'm', messages: [fresh] });
    } finally {
      closeDatabase(db);
      t.cleanup();
    }
  });
});
