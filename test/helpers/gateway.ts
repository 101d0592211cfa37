import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { ConfigSchema, type Config } from '../../local-gateway/config/schema.js';
import { ensureHome } from '../../local-gateway/core/home.js';
import { buildGateway, listenLoopback, type GatewayOptions } from '../../local-gateway/server/app.js';

export const TEST_TOKEN = 'gh_local_test_token_0123456789';
export const UPSTREAM_KEY = 'sk-upstream-test-key-abcdefghijklmnop';

export interface TestGateway {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  home: string;
  client: OpenAI;
  /** Authenticated admin API GET returning parsed JSON. */
  api<T = unknown>(path: string): Promise<T>;
  close(): Promise<void>;
}

/** A real gateway on an ephemeral loopback port with a real SQLite file in a temp home. */
export async function startGateway(
  config: Partial<Record<keyof Config, unknown>> = {},
  env: NodeJS.ProcessEnv = {},
  opts: Pick<GatewayOptions, 'policy' | 'sync' | 'clock'> & { home?: string } = {},
): Promise<TestGateway> {
  // A given home outlives the gateway (a restart test reopens it); a fresh one is removed on close.
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  ensureHome(home);
  const app = await buildGateway({
    policy: opts.policy,
    sync: opts.sync,
    clock: opts.clock,
    config: ConfigSchema.parse(config),
    configFile: null,
    home,
    token: { value: TEST_TOKEN, source: 'env', file: null },
    env: { UPSTREAM_KEY, ...env },
    logging: false,
  });
  const url = await listenLoopback(app, 0);
  const client = new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${url}/v1`, maxRetries: 0 });
  return {
    app,
    url,
    home,
    client,
    async api<T>(path: string): Promise<T> {
      const res = await fetch(url + path, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    async close() {
      await app.close();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Config with one OpenAI-kind provider `up` pointing at a stand-in. */
export function upstreamConfig(baseUrl: string, extra: Record<string, unknown> = {}) {
  return { providers: [{ id: 'up', kind: 'openai', base_url: baseUrl, api_key: 'env:UPSTREAM_KEY', ...extra }] };
}

/** Polls until the condition holds; tests wait on state, never on a fixed sleep. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
