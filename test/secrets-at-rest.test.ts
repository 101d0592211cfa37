import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../local-gateway/store/db.js';
import type { Trace, TracePage } from '../local-gateway/store/schema.js';
import { trigramQuery } from '../local-gateway/store/search.js';
import { runCli, spawnGateway, type RunningGateway } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';
import { testKeychain } from './helpers/keychain.js';
import { startCentralStandin, type CentralStandin } from './standins/central.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const kc = await testKeychain('test/secrets-at-rest.test.ts');
if (!kc.available) console.warn('test/secrets-at-rest.test.ts: runs with the environment key and a file token only (no Secret Service)');

const ENV_KEY = 'sk-env-provider-key-0123456789abcdef';
const KC_KEY = 'sk-keychain-provider-key-fedcba987654';
const PAT = 'ghp_at_rest_pat_00112233445566778899';

/**
 * After a full run (successes, streams, client mistakes, upstream failures, a crash and a
 * restart) no secret the gateway held is in any file under its home, its log, any admin API
 * answer or any error a client received (a successful answer is the model's output and passes
 * untouched). Each secret is also fed to the gateway where it
 * would be stored if nothing masked it: pasted into a prompt, in a metadata header, as a
 * model name, echoed back by a provider's error.
 */
describe('secrets at rest', { timeout: 60_000 }, () => {
  let envUp: OpenAIStandin;
  let kcUp: OpenAIStandin;
  let central: CentralStandin;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const answers: string[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    envUp = await startOpenAIStandin({ apiKey: ENV_KEY });
    kcUp = await startOpenAIStandin({ apiKey: KC_KEY });
    central = await startCentralStandin({ [PAT]: { user: 'ada', team: 'payments', org: 'acme' } });
    home = mkdtempSync(join(tmpdir(), 'gatehouse-at-rest-'));
    const providers = [`  - { id: envp, kind: openai, base_url: "${envUp.url}", api_key: "env:AT_REST_KEY" }`];
    if (kc.available) {
      providers.push(`  - { id: kcp, kind: openai, base_url: "${kcUp.url}", api_key: "keychain:kc-key" }`);
      await kc.keychain.set('kc-key', KC_KEY);
      await kc.keychain.set('pat', PAT);
    }
    writeFileSync(join(home, 'gatehouse.yaml'), `providers:\n${providers.join('\n')}\n${kc.available ? `central: { url: "${central.url}" }\n` : ''}`);
    env = { AT_REST_KEY: ENV_KEY, ...(kc.available ? kc.env : {}) };
  });
  afterAll(async () => {
    await kc.cleanup();
    await Promise.all([envUp.close(), kcUp.close(), central.close()]);
  });

  async function exercise(gw: RunningGateway, token: string, secrets: string[]): Promise<void> {
    const providers = kc.available ? ['envp', 'kcp'] : ['envp'];
    const send = async (body: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers } });
      const text = await res.text();
      // A successful answer is the model's output, delivered as is (the stand-in echoes the prompt); errors are the gateway's words.
      if (res.status >= 400) answers.push(text);
      return res.status;
    };
    const chat = (model: string, content: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra });
    for (const p of providers) {
      expect(await send(chat(`${p}/m`, 'hello'))).toBe(200);
      expect(await send(chat(`${p}/m`, 'a streamed hello', { stream: true }))).toBe(200);
      for (const s of secrets) expect(await send(chat(`${p}/m`, `here is my key ${s} please`))).toBe(200);
      expect(await send(chat(`${p}/echo-key`, 'x'))).toBe(502);
      expect(await send(chat(`${p}/fail-500`, 'x'))).toBe(502);
      expect(await send(chat(`${p}/cut-stream`, 'a b c d', { stream: true }))).toBe(200);
    }
    for (const s of secrets) {
      expect(await send(chat(s, 'x'))).toBe(404);
      expect(await send(chat('demo/echo', 'x'), { 'x-gatehouse-metadata': JSON.stringify({ note: s }) })).toBe(200);
      expect(await send(`{"model": "demo/echo", "messages": "${s}"`)).toBe(400);
    }
    expect(await send(chat('demo/echo', 'by x-api-key'), { authorization: '', 'x-api-key': token })).toBe(200);
  }

  async function adminAnswers(gw: RunningGateway, token: string): Promise<Trace[]> {
    const get = async (path: string) => {
      const text = await (await fetch(gw.url + path, { headers: { authorization: `Bearer ${token}` } })).text();
      answers.push(text);
      return JSON.parse(text) as unknown;
    };
    await get('/api/status');
    const page = (await get('/api/traces?limit=500')) as TracePage;
    const traces: Trace[] = [];
    for (const t of page.traces) traces.push((await get(`/api/traces/${t.id}`)) as Trace);
    return traces;
  }

  it('finds no secret in any file under the home, the log, an admin API answer or an error', async () => {
    const first = await spawnGateway(['--home', home, '--log-level', 'debug'], env);
    const token = runCli(['token', '--home', home], env).stdout.trim();
    const secrets = [token, ENV_KEY, ...(kc.available ? [KC_KEY, PAT] : [])];
    if (kc.available) {
      await waitFor(async () => {
        const s = (await (await fetch(`${first.url}/api/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as { identity: { source: string } };
        return s.identity.source === 'pat';
      }, 'the PAT identity');
    }
    await exercise(first, token, secrets);
    // A crash: every trace already answered is in the journal, which the next start imports.
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    logs.push(first.stderr());

    const second = await spawnGateway(['--home', home, '--log-level', 'debug'], env);
    const client = new OpenAI({ apiKey: token, baseURL: `${second.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'envp/m', messages: [{ role: 'user', content: `after the crash ${ENV_KEY}` }] });
    const traces = await adminAnswers(second, token);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    logs.push(second.stderr());

    // The search is not vacuous: the secrets reached the gateway and were masked where they would have been stored.
    expect(traces.length).toBeGreaterThan(10);
    expect(traces.filter((t) => JSON.stringify(t.request_body).includes('here is my key [redacted] please')).length).toBe(secrets.length * (kc.available ? 2 : 1));
    expect(traces.some((t) => t.error_message?.includes('checking credential Bearer [redacted]'))).toBe(true);
    if (kc.available) expect(traces.some((t) => t.caller.user === 'ada' && t.caller.team === 'payments')).toBe(true);

    // The search index keeps trigrams, not text, so a byte search of the file would miss a secret in it: ask the index.
    const db = openDatabase(join(home, 'gatehouse.db'));
    try {
      const hits = (table: string, text: string) => db.prepare(`SELECT count(*) FROM ${table} WHERE ${table} MATCH ?`).pluck().get(trigramQuery(text)) as number;
      // One blob: masked, every one of those prompts reads the same.
      expect(hits('blob_text', 'here is my key [redacted] please')).toBe(1);
      for (const s of secrets) for (const table of ['blob_text', 'trace_text']) expect(hits(table, s), `${table} indexes a secret (${s.slice(0, 6)}…)`).toBe(0);
    } finally {
      closeDatabase(db);
    }

    const files = readdirSync(home, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(home, f)).isFile());
    expect(files).toEqual(expect.arrayContaining(['gatehouse.db', 'traces.journal']));
    for (const f of files) {
      // Without a keychain the local token lives in its 0600 file by design; nothing else may hold it.
      if (!kc.available && f === 'token') {
        expect(statSync(join(home, f)).mode & 0o777).toBe(0o600);
        continue;
      }
      const bytes = readFileSync(join(home, f));
      for (const s of secrets) expect(bytes.includes(s), `${f} holds a secret (${s.slice(0, 6)}…)`).toBe(false);
    }
    for (const [i, text] of [...answers, ...logs].entries()) {
      for (const s of secrets) expect(text.includes(s), `answer or log #${i} holds a secret (${s.slice(0, 6)}…): ${text.slice(0, 200)}`).toBe(false);
    }
  });
});
