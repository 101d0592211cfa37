import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHome } from '../local-gateway/core/home.js';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import { makeTrace, toRecord } from '../local-gateway/store/testing.js';
import { TraceStore } from '../local-gateway/store/traces.js';
import { journalLine } from '../local-gateway/store/writer.js';
import { runCli } from './helpers/cli.js';
import { fencedBlocks } from './helpers/readme.js';

/** `gatehouse export` answers an audit question from the store of a home: spend by cost center in a quarter. */
let home: string;
const Q3 = Date.UTC(2026, 6, 1);
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'gatehouse-export-'));
  const db = openDatabase(ensureHome(home).db);
  const store = new TraceStore(db);
  const day = 86_400_000;
  store.insertMany([
    makeTrace({ started_at: Q3 - day, metadata: { cost_center: 'old' }, cost_usd: 9 }),
    makeTrace({ started_at: Q3 + day, metadata: { cost_center: 'cc-1' }, cost_usd: 0.25 }),
    makeTrace({ started_at: Q3 + 2 * day, metadata: { cost_center: 'cc-2' }, cost_usd: 0.5 }),
    makeTrace({ started_at: Q3 + 3 * day, metadata: { cost_center: 'cc-1' }, cost_usd: 1 }),
  ]);
  closeDatabase(db);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('gatehouse export', () => {
  it('writes a quarter as CSV with the asked fields, the other traces left out', () => {
    const r = runCli(['export', '--since', '2026-07-01', '--until', '2026-10-01', '--format', 'csv', '--fields', 'metadata.cost_center,cost_usd'], { GATEHOUSE_HOME: home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\r\n');
    expect(rows).toEqual(['metadata.cost_center,cost_usd', 'cc-1,0.25', 'cc-2,0.5', 'cc-1,1']);
  });

  it('answers the audit question of docs/concepts/traces-and-store.md with its example as written', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const page = readFileSync(join(root, 'docs/concepts/traces-and-store.md'), 'utf8');
    const example = fencedBlocks(page).find((b) => b.lang === 'sh' && b.text.includes('gatehouse export'));
    expect(example, 'the Audits example').toBeDefined();
    const r = spawnSync('bash', ['-c', `set -euo pipefail\n${example!.text}`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, GATEHOUSE_HOME: home, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter) },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/)).sort()).toEqual([['cc-1', '1.25'], ['cc-2', '0.50']]);
  });

  it('writes JSON lines by default', () => {
    const r = runCli(['export', '--since', String(Q3)], { GATEHOUSE_HOME: home });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { metadata: Record<string, string>; started_at: string });
    expect(lines.map((l) => l.metadata.cost_center)).toEqual(['cc-1', 'cc-2', 'cc-1']);
    expect(lines[0]!.started_at).toBe('2026-07-02T00:00:00.000Z');
  });

  it('refuses a bad format, field or time with exit code 2 and one sentence', () => {
    for (const args of [['--since', '2026-07-01', '--format', 'xml'], ['--since', '2026-07-01', '--fields', 'usr'], ['--since', 'July'], []]) {
      const r = runCli(['export', ...args], { GATEHOUSE_HOME: home });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('gatehouse export of traces still in the journal', () => {
  it('exports what the journal holds and the store does not, once each, in order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-export-journal-'));
    try {
      const paths = ensureHome(dir);
      const day = 86_400_000;
      const stored = makeTrace({ started_at: Q3 + day, metadata: { cost_center: 'stored' } });
      const both = makeTrace({ started_at: Q3 + 2 * day, metadata: { cost_center: 'imported, journal not yet emptied' } });
      const journaled = makeTrace({ started_at: Q3 + 3 * day, metadata: { cost_center: 'journal only' }, verdicts: [{ tier: 'prod', enforced: false, stage: 'metadata', rule: 'metadata.ticket_id', decision: 'block', mode: 'enforce', findings: [], reason: 'r' }] });
      const db = openDatabase(paths.db);
      new TraceStore(db).insertMany([stored, both]);
      closeDatabase(db);
      // As the gateway's writer leaves it: lines it journaled before (or without) importing them, and a last line a crash cut short.
      writeFileSync(paths.journal, `${journalLine(toRecord(both))}\n${journalLine(toRecord(journaled))}\n{"id":"cut-sho`);
      const r = runCli(['export', '--since', String(Q3), '--fields', 'id,metadata.cost_center,fired'], { GATEHOUSE_HOME: dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
        { id: stored.id, 'metadata.cost_center': 'stored', fired: null },
        { id: both.id, 'metadata.cost_center': 'imported, journal not yet emptied', fired: null },
        { id: journaled.id, 'metadata.cost_center': 'journal only', fired: 'prod:block:metadata.ticket_id' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
