import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, migrationHash, openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import type { Migration } from './migrations.js';
import { tempDir } from './testing.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('openDatabase', () => {
  const dirs: (() => void)[] = [];
  afterEach(() => dirs.splice(0).forEach((cleanup) => cleanup()));
  const file = (): string => {
    const t = tempDir();
    dirs.push(t.cleanup);
    return t.file;
  };

  it('sets WAL, synchronous=NORMAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(file());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    closeDatabase(db);
  });

  it('applies every migration once and records it with the sha256 of its SQL (and its backfill)', () => {
    const f = file();
    closeDatabase(openDatabase(f));
    const db = openDatabase(f); // a second open applies nothing new
    const rows = db.prepare('SELECT version, name, sha256, applied_at FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name, sha256: m.backfill === undefined ? sha(m.sql) : migrationHash(m), applied_at: expect.any(Number) })));
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['schema_migrations', 'traces', 'blobs']));
    closeDatabase(db);
  });

  it('adds tokens_reasoning to a database made before it, keeping its rows', () => {
    const f = file();
    const old = openDatabase(f, { migrations: MIGRATIONS.slice(0, 1) });
    old.prepare(`INSERT INTO traces (id, started_at, ended_at, duration_ms, phases, caller, caller_user, api, method, path, tier, status, stream, metadata, request_headers, response_headers)
      VALUES ('t1', 1, 2, 1, '{}', '{}', 'ada', 'chat.completions', 'POST', '/v1/chat/completions', 'dev', 200, 0, '{}', '{}', '{}')`).run();
    closeDatabase(old);
    const db = openDatabase(f);
    expect(db.prepare("SELECT id, tokens_reasoning FROM traces").all()).toEqual([{ id: 't1', tokens_reasoning: null }]);
    closeDatabase(db);
  });

  it('applies only the pending migrations of a longer history', () => {
    const f = file();
    const one: Migration[] = [{ version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER)' }];
    closeDatabase(openDatabase(f, { migrations: one }));
    const two = [...one, { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER)' }];
    const db = openDatabase(f, { migrations: two });
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1, 2]);
    closeDatabase(db);
  });

  it('refuses a database whose applied migration was edited, naming it', () => {
    const f = file();
    closeDatabase(openDatabase(f, { migrations: [{ version: 1, name: 'create a', sql: 'CREATE TABLE a (x INTEGER)' }] }));
    const edited: Migration[] = [{ version: 1, name: 'create a', sql: 'CREATE TABLE a (x INTEGER, y TEXT)' }];
    expect(() => openDatabase(f, { migrations: edited })).toThrow(/Migration 1 \("create a"\) was changed.*must not be edited.*add a new migration/);
  });

  it('rolls back a failing migration and records nothing for it', () => {
    const f = file();
    const bad: Migration[] = [{ version: 1, name: 'half', sql: 'CREATE TABLE ok (x INTEGER); CREATE TABLE broken (' }];
    expect(() => openDatabase(f, { migrations: bad })).toThrow();
    const db = openDatabase(f, { migrations: [] });
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'ok'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(0);
    closeDatabase(db);
  });

  it('refuses a database migrated by a newer Gatehouse', () => {
    const f = file();
    closeDatabase(openDatabase(f, { migrations: [{ version: 1, name: 'a', sql: 'SELECT 1' }] }));
    expect(() => openDatabase(f, { migrations: [] })).toThrow(/newer Gatehouse/);
  });
});
