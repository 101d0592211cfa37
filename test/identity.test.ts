import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { ensureHome } from '../local-gateway/core/home.js';
import type { Identity } from '../local-gateway/identity/index.js';
import { buildGateway, listenLoopback } from '../local-gateway/server/app.js';
import type { Trace } from '../local-gateway/store/schema.js';
import { runCliAsync } from './helpers/cli.js';
import { TEST_TOKEN, waitFor } from './helpers/gateway.js';
import { testKeychain } from './helpers/keychain.js';
import { startCentralStandin, type CentralStandin } from './standins/central.js';

const kc = await testKeychain('test/identity.test.ts');

const PAT = 'ghp_identity_test_pat_0123456789abcdef';
const OTHER_PAT = 'ghp_revoked_pat_abcdef0123456789';
const ADA = { user: 'ada', team: 'payments', org: 'acme' };

interface Running {
  app: FastifyInstance;
  url: string;
  client: OpenAI;
  status(): Promise<{ identity: Identity }>;
}

async function start(home: string, central: string): Promise<Running> {
  const app = await buildGateway({
    config: ConfigSchema.parse({ central: { url: central } }),
    configFile: null,
    home,
    token: { value: TEST_TOKEN, source: 'env', file: null },
    env: { ...kc.env },
    logging: false,
  });
  const url = await listenLoopback(app, 0);
  const get = async <T>(path: string, method = 'GET') => (await (await fetch(url + path, { method, headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as T;
  return { app, url, client: new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${url}/v1`, maxRetries: 0 }), status: () => get('/api/status') };
}

async function callerOf(gw: Running): Promise<Trace['caller']> {
  const { response } = await gw.client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'who am i' }] }).withResponse();
  const res = await fetch(`${gw.url}/api/traces/${response.headers.get('x-gatehouse-trace-id')}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  return ((await res.json()) as Trace).caller;
}

describe.skipIf(!kc.available)('identity from the PAT (a real Secret Service, a stand-in central gateway)', () => {
  let central: CentralStandin;
  let home: string;
  let centralUrl: string;

  beforeAll(async () => {
    central = await startCentralStandin({ [PAT]: ADA });
    centralUrl = central.url;
    home = mkdtempSync(join(tmpdir(), 'gatehouse-identity-'));
    ensureHome(home);
    await kc.keychain.set('pat', PAT);
  });
  afterAll(async () => {
    await kc.cleanup();
    await central.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('stamps every trace with the user and team the central gateway gives the PAT', async () => {
    const gw = await start(home, centralUrl);
    try {
      const { identity } = await waitFor(async () => {
        const s = await gw.status();
        return s.identity.source === 'pat' ? s : null;
      }, 'the PAT identity');
      expect(identity).toEqual({ ...ADA, source: 'pat' });
      expect(central.calls).toContain(PAT);
      expect(await callerOf(gw)).toMatchObject({ user: 'ada', team: 'payments' });
      // The cache file keeps who, not the PAT.
      expect(readFileSync(join(home, 'identity.json'), 'utf8')).not.toContain(PAT);
    } finally {
      await gw.app.close();
    }
  });

  it('still knows the identity after a restart with the central gateway unreachable', async () => {
    await central.close();
    const gw = await start(home, centralUrl);
    try {
      // Known from the cache before the background refresh has even finished.
      expect((await gw.status()).identity).toMatchObject({ user: 'ada', team: 'payments', source: 'cache' });
      expect(await callerOf(gw)).toMatchObject({ user: 'ada', team: 'payments' });
      await gw.app.gateway.reloadSecrets();
      expect((await gw.status()).identity).toMatchObject({ user: 'ada', source: 'cache' });
    } finally {
      await gw.app.close();
    }
  });

  it('falls back to the OS user when the PAT is refused or removed', async () => {
    central = await startCentralStandin({ [PAT]: ADA });
    centralUrl = central.url;
    const gw = await start(home, centralUrl);
    const os = userInfo().username;
    try {
      await kc.keychain.set('pat', OTHER_PAT);
      const reload = await fetch(`${gw.url}/api/keys/reload`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      expect(((await reload.json()) as { identity: Identity }).identity).toEqual({ user: os, team: null, org: null, source: 'os' });
      expect(central.calls.at(-1)).toBe(OTHER_PAT);
      expect(existsSync(join(home, 'identity.json'))).toBe(false);
      expect(await callerOf(gw)).toMatchObject({ user: os, team: null });

      await kc.keychain.set('pat', PAT);
      expect((await gw.app.gateway.reloadSecrets()).user).toBe('ada');
      await kc.keychain.delete('pat');
      expect(await gw.app.gateway.reloadSecrets()).toEqual({ user: os, team: null, org: null, source: 'os' });
    } finally {
      await gw.app.close();
    }
    for (const f of readdirSync(home, { recursive: true, encoding: 'utf8' })) {
      if (!statSync(join(home, f)).isFile()) continue;
      const bytes = readFileSync(join(home, f));
      expect(bytes.includes(PAT), `${f} holds the PAT`).toBe(false);
      expect(bytes.includes(OTHER_PAT), `${f} holds the refused PAT`).toBe(false);
    }
  });

  it('keys set pat says whose PAT it is, or that the central gateway refused it', async () => {
    const config = join(home, 'gatehouse.yaml');
    writeFileSync(config, `central: { url: "${centralUrl}" }\n`);
    const ok = await runCliAsync(['keys', 'set', 'pat', '--home', home, '--config', config], kc.env, PAT);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Stored "pat" (pat) in the OS keychain. It belongs to ada (team payments) in acme.');
    const refused = await runCliAsync(['keys', 'set', 'pat', '--home', home, '--config', config], kc.env, OTHER_PAT);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe('Stored "pat", but the central gateway refused the PAT (401): check it and set it again with `gatehouse keys set pat`.');
  });
});
