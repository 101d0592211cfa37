import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import { ConfigSchema } from '../../local-gateway/config/schema.js';
import { listenLoopback } from '../../local-gateway/server/app.js';
import { createCentral, type CentralOptions } from '../../sync/central/app.js';
import { PATHS } from '../../sync/protocol.js';
import { generateSigningKey } from '../../sync/signing.js';
import { freshDatabase } from './services.js';

export const CENTRAL_ADMIN_TOKEN = 'gh_admin_test_token_0123456789abcdef';

export interface TestCentral {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  home: string;
  adminToken: string;
  createPat(user: string, team?: string | null): Promise<{ pat: string; pat_id: string }>;
  /** Publishes a bundle (YAML text, or an object sent as JSON); the answer's version. */
  publish(bundle: string | Record<string, unknown>): Promise<{ version: number; key_id: string; expires: string }>;
  /** An admin API call; the raw response. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** An admin GET returning parsed JSON (throws on a non-2xx). */
  adminJson<T = unknown>(path: string): Promise<T>;
  close(): Promise<void>;
}

export interface StartCentralOptions extends Partial<Pick<CentralOptions, 'clock' | 'keychain' | 'pollIntervalMs' | 'keyOverlapMs' | 'org' | 'enforcedTier' | 'maxIngestInFlight' | 'policyPollMs' | 'recordsRetentionDays'>> {
  /** A given home outlives the central (a restart test reopens it); a fresh one is removed on close. */
  home?: string;
  /** Without GATEHOUSE_SIGNING_KEY (and without `keychain`), a fresh key is put here. */
  env?: NodeJS.ProcessEnv;
  /** The central's `gatehouse.yaml` content (providers for its client APIs). */
  config?: Record<string, unknown>;
  /**
   * `sqlite` (default) or the test PostgreSQL server's URL: the central then gets a fresh
   * database of its own, dropped on close (unless `database` names one to share or reopen).
   */
  storage?: string;
  /** A database URL made by `freshDatabase`, for replicas or restarts sharing one. */
  database?: string;
}

/**
 * The reference central gateway in process on an ephemeral 127.0.0.1 port, with a real
 * SQLite file in a temp home: for tests of the device side and of the central itself.
 */
export async function startCentral(opts: StartCentralOptions = {}): Promise<TestCentral> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'gatehouse-central-'));
  const env: NodeJS.ProcessEnv = { ...opts.env };
  if (!opts.keychain && !env.GATEHOUSE_SIGNING_KEY && !env.GATEHOUSE_SIGNING_KEY_FILE) env.GATEHOUSE_SIGNING_KEY = generateSigningKey().seed;
  const fresh = opts.database === undefined && opts.storage !== undefined && opts.storage !== 'sqlite' ? await freshDatabase(opts.storage) : null;
  const storageUrl = opts.database ?? fresh?.url ?? 'sqlite';
  // The test URL's password is an env: reference into the test process's environment.
  const ref = storageUrl === 'sqlite' ? '' : decodeURIComponent(new URL(storageUrl).password);
  if (ref.startsWith('env:')) env[ref.slice(4)] = process.env[ref.slice(4)];
  let app: FastifyInstance;
  try {
    app = await createCentral({
      home,
      storageUrl,
      adminToken: CENTRAL_ADMIN_TOKEN,
      env,
      config: ConfigSchema.parse(opts.config ?? {}),
      clock: opts.clock,
      keychain: opts.keychain,
      pollIntervalMs: opts.pollIntervalMs,
      keyOverlapMs: opts.keyOverlapMs,
      // The org the test bundles are for, unless a test names another (or null, for a central that must find it in its home).
      org: opts.org === undefined ? 'acme' : opts.org,
      enforcedTier: opts.enforcedTier,
      maxIngestInFlight: opts.maxIngestInFlight,
      policyPollMs: opts.policyPollMs,
      recordsRetentionDays: opts.recordsRetentionDays,
    });
  } catch (err) {
    await fresh?.drop();
    throw err;
  }
  const url = await listenLoopback(app, 0);
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(url + path, { ...init, headers: { authorization: `Bearer ${CENTRAL_ADMIN_TOKEN}`, ...(init.headers as Record<string, string> | undefined) } });
  const ok = async <T>(res: Response, what: string): Promise<T> => {
    if (!res.ok) throw new Error(`${what} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    app,
    url,
    home,
    adminToken: CENTRAL_ADMIN_TOKEN,
    createPat: async (user, team = null) =>
      ok(await admin(PATHS.adminPats, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, team }) }), 'create PAT'),
    publish: async (bundle) => {
      const body = typeof bundle === 'string' ? bundle : JSON.stringify(bundle);
      const type = typeof bundle === 'string' ? 'text/yaml' : 'application/json';
      return ok(await admin(PATHS.adminPolicies, { method: 'POST', headers: { 'content-type': type }, body }), 'publish');
    },
    admin,
    adminJson: async <T>(path: string) => ok<T>(await admin(path), path),
    async close() {
      await app.close();
      await fresh?.drop();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A small valid bundle with a dev and a prod tier; `prod` overrides merge over it. */
export function testBundle(prod: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return stringify({ apiVersion: 'gatehouse/v1', org: 'acme', tiers: { dev: {}, prod: { extends: 'dev', ...prod } }, ...extra });
}
