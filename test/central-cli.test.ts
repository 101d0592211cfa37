import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../sync/signing.js';
import { BIN, runCli, runCliAsync } from './helpers/cli.js';
import { testBundle } from './helpers/central.js';

const ADMIN = 'gh_admin_cli_test_token_abcdef0123456789';

describe('gatehouse central start / publish (real processes)', () => {
  let home: string;
  let url: string;
  let started: Record<string, unknown>;
  let stop: () => void;
  const env = { GATEHOUSE_ADMIN_TOKEN: ADMIN, GATEHOUSE_SIGNING_KEY: generateSigningKey().seed };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'gatehouse-central-cli-'));
    const child = spawn(process.execPath, [BIN, 'central', 'start', '--port', '0', '--home', home, '--json'], {
      env: { ...process.env, GATEHOUSE_KEYCHAIN: 'off', GATEHOUSE_ORG: 'acme', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    stop = () => child.kill('SIGTERM');
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          started = JSON.parse(line) as Record<string, unknown>;
          resolve(started.url as string);
        }
      });
      child.on('exit', (code) => reject(new Error(`central exited with ${code}: ${stderr}`)));
    });
  });
  afterAll(() => {
    stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses to start without an admin token, saying what to do', () => {
    const r = runCli(['central', 'start', '--port', '0', '--home', home], { GATEHOUSE_ADMIN_TOKEN: '' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Set GATEHOUSE_ADMIN_TOKEN to a long random secret/);
  });

  it('names the org it serves (from GATEHOUSE_ORG) in its start line', () => {
    expect(started).toMatchObject({ org: 'acme', key_source: 'env', latest_version: null });
  });

  it('names its replica id, kept in its home, and refuses a home whose id is unreadable or a bad --drain-ms', () => {
    expect(started.replica_id).toMatch(/^rep_[0-9a-f-]{36}$/);
    expect(readFileSync(join(home, 'replica-id'), 'utf8').trim()).toBe(started.replica_id);
    const bad = runCli(['central', 'start', '--port', '0', '--home', home, '--drain-ms', 'soon'], { ...env, GATEHOUSE_ORG: 'acme' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('--drain-ms "soon" is not a whole number of milliseconds: use 1 to 2147483647.');
    const busy = runCli(['central', 'start', '--port', '0', '--home', home, '--ingest-in-flight', '0'], { ...env, GATEHOUSE_ORG: 'acme' });
    expect(busy.code).toBe(2);
    expect(busy.stderr.trim()).toBe('--ingest-in-flight "0" is not a whole number of batches: use 1 to 10000.');
    const fresh = mkdtempSync(join(tmpdir(), 'gatehouse-central-badid-'));
    try {
      writeFileSync(join(fresh, 'replica-id'), 'not an id\n');
      const r = runCli(['central', 'start', '--port', '0', '--home', fresh], { ...env, GATEHOUSE_ORG: 'acme' });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/replica-id does not hold a replica id \(rep_<uuid>\): restore it, or remove it/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('refuses to start on a fresh home without an org, saying what to do', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'gatehouse-central-noorg-'));
    try {
      const r = runCli(['central', 'start', '--port', '0', '--home', fresh], { ...env, GATEHOUSE_ORG: '' });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('Name the org this central gateway serves with --org NAME (or GATEHOUSE_ORG): devices enroll into it and only its bundles can be published.');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('publishes a bundle file as the next version', async () => {
    const file = join(home, 'policy.yaml');
    writeFileSync(file, testBundle({ metadata: { required: ['ticket_id'] } }));
    const first = await runCliAsync(['central', 'publish', file, '--url', url], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Published .*policy\.yaml as version 1, signed by key [0-9a-f]{16}, expires /);
    const second = await runCliAsync(['central', 'publish', file, '--url', url, '--json'], env);
    expect(JSON.parse(second.stdout)).toMatchObject({ version: 2 });
  });

  it('refuses a bad bundle with file, line and field', async () => {
    const file = join(home, 'bad.yaml');
    writeFileSync(file, 'apiVersion: gatehouse/v1\norg: acme\ntiers:\n  prod:\n    modles: {}\n');
    const r = await runCliAsync(['central', 'publish', file, '--url', url], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:5: tiers.prod.modles: unknown key "modles"`);
  });

  it('creates a PAT from the CLI: the PAT alone on stdout, shown once, and it works', async () => {
    const r = await runCliAsync(['central', 'pat', 'grace', '--team', 'infra', '--url', url], env);
    expect(r.code).toBe(0);
    const pat = r.stdout.trim();
    expect(pat).toMatch(/^gh_pat_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toMatch(/^PAT \S+ for grace \(team infra\): shown once/);
    const who = await fetch(`${url}/v1/fleet/whoami`, { headers: { authorization: `Bearer ${pat}` } });
    expect(await who.json()).toEqual({ user: 'grace', team: 'infra', org: 'acme' });
    expect((await runCliAsync(['central', 'pat', '--url', url], env)).code).toBe(2);
  });

  it('refuses a publish with the wrong admin token', async () => {
    const file = join(home, 'policy.yaml');
    const r = await runCliAsync(['central', 'publish', file, '--url', url], { ...env, GATEHOUSE_ADMIN_TOKEN: 'wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Wrong admin token/);
  });
});

describe('gatehouse central start: one replica per home', () => {
  const env = { GATEHOUSE_ADMIN_TOKEN: ADMIN, GATEHOUSE_SIGNING_KEY: generateSigningKey().seed, GATEHOUSE_ORG: 'acme' };
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-central-lock-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** `central start --json` on the home; its url and pid once it listens, and its exit. */
  function startReplica(...args: string[]) {
    const child = spawn(process.execPath, [BIN, 'central', 'start', '--port', '0', '--home', home, '--json', ...args], { env: { ...process.env, GATEHOUSE_KEYCHAIN: 'off', ...env } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = new Promise<{ url: string; pid: number }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, pid: child.pid! });
      });
      void exited.then((code) => reject(new Error(`central exited with ${code} before listening`)));
    });
    return { child, started, exited };
  }

  it('a second start on a home a replica holds refuses, naming it; once that one stops, the home is free again', async () => {
    const first = startReplica('--ingest-in-flight', '3');
    const { url, pid } = await first.started;
    try {
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      expect(metrics).toMatch(/^gatehouse_central_ingest_limit 3$/m);
      // Its records outbox and replica id are this home's: a second replica here would drain the same rows.
      const second = await runCliAsync(['central', 'start', '--port', '0', '--home', home], env);
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(`A central replica already runs for home ${home} on ${url} (pid ${pid}): each replica needs a --home of its own (it drains the records of the requests it served from there).`);
      // The first is untouched by the refused start.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    expect(existsSync(join(home, 'gateway.lock'))).toBe(false);
    const next = startReplica();
    try {
      await next.started;
    } finally {
      next.child.kill('SIGTERM');
    }
    expect(await next.exited).toBe(0);
  });
});
