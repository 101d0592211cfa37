import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, runCli, spawnGateway, type RunningGateway } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';

const running: RunningGateway[] = [];
afterEach(() => {
  for (const g of running.splice(0)) if (g.child.exitCode === null) g.child.kill('SIGKILL');
});

const newHome = () => mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));

describe('gatehouse CLI', () => {
  it('starts with no config at all on the demo provider, and prints where everything is', async () => {
    const home = newHome();
    const gw = await spawnGateway([], { GATEHOUSE_HOME: home, GATEHOUSE_CONFIG: '' });
    running.push(gw);
    const token = runCli(['token'], { GATEHOUSE_HOME: home });
    expect(token.code).toBe(0);
    const value = token.stdout.trim();
    expect(value).toMatch(/^gh_local_/);
    // The token file is the user's alone.
    expect(statSync(join(home, 'token')).mode & 0o777).toBe(0o600);
    expect(gw.stdout).toContain(`API base URL  ${gw.url}/v1`);
    expect(gw.stdout).toContain(`Dashboard     ${gw.url}/ui/#token=${value}`);
    expect(gw.stdout).toContain('gatehouse token');
    expect(gw.stdout).toContain('demo (built-in)');

    const client = new OpenAI({ apiKey: value, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'first run' }] });
    expect(res.choices[0]!.message.content).toContain('first run');

    const status = runCli(['status', '--json'], { GATEHOUSE_HOME: home });
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as { store: { traces: number }; providers: { id: string }[] };
    expect(s.store.traces).toBe(1);
    expect(s.providers.map((p) => p.id)).toEqual(['demo']);
    // Without a PAT the OS user is the identity.
    const text = runCli(['status'], { GATEHOUSE_HOME: home }).stdout;
    expect(text).toContain(`Identity   ${userInfo().username}, the OS user (no PAT)`);
    expect(text).toContain('Policy     built-in permissive tier (no policy file configured); tiers dev\n');
    expect((JSON.parse(status.stdout) as { policy: unknown }).policy).toMatchObject({ source: 'builtin', file: null, version: null, last_error: null });
  });

  it('start --json prints one JSON line of where everything is, and never the token', async () => {
    const home = newHome();
    const config = join(home, 'gatehouse.yaml');
    writeFileSync(config, 'providers: []\n');
    const token = 'json-start-token-0123456789';
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--json', '--config', config], {
      env: { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: token, GATEHOUSE_KEYCHAIN: 'off' },
    });
    running.push({ child, url: '', stdout: '', stderr: () => '' });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await waitFor(() => stdout.includes('\n'), 'the JSON line', 15_000);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const ready = JSON.parse(stdout) as Record<string, unknown>;
    expect(ready).toEqual({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      dashboard_url: `${String(ready.url)}/ui/`,
      token_source: 'env',
      token_file: null,
      config,
      home,
    });
    expect(stdout).not.toContain(token);
    expect((await fetch(`${String(ready.url)}/healthz`)).status).toBe(200);
  });

  it('loses no trace of a received response when killed with SIGKILL right after', async () => {
    const home = newHome();
    const gw = await spawnGateway([], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: 'kill-test-token-123' });
    running.push(gw);
    const client = new OpenAI({ apiKey: 'kill-test-token-123', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const ids: string[] = [];
    for (const stream of [false, true, false]) {
      if (stream) {
        const s = await client.chat.completions.create({ model: 'demo/echo', stream: true, messages: [{ role: 'user', content: 'streamed' }] }).withResponse();
        for await (const _ of s.data) void _;
        ids.push(s.response.headers.get('x-gatehouse-trace-id')!);
      } else {
        const r = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'plain' }] }).withResponse();
        ids.push(r.response.headers.get('x-gatehouse-trace-id')!);
      }
    }
    gw.child.kill('SIGKILL');
    await new Promise((r) => gw.child.once('exit', r));
    // Each trace was on disk before its response ended; the next start stores any still journaled.
    const again = await spawnGateway([], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: 'kill-test-token-123' });
    running.push(again);
    const page = (await (await fetch(`${again.url}/api/traces`, { headers: { authorization: 'Bearer kill-test-token-123' } })).json()) as { traces: { id: string }[] };
    expect(page.traces.map((t) => t.id).reverse()).toEqual(ids);
    again.child.kill('SIGTERM');
    await new Promise((r) => again.child.once('exit', r));
    const db = new Database(join(home, 'gatehouse.db'), { readonly: true });
    expect(db.prepare('SELECT id FROM traces ORDER BY id').pluck().all()).toEqual(ids);
    db.close();
  });

  it('under concurrent load, SIGKILL loses no trace of an answer the client fully received, and the database stays sound', async () => {
    const home = newHome();
    const token = 'kill-load-token-123';
    const gw = await spawnGateway([], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: token });
    running.push(gw);
    const client = new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const received: string[] = [];
    let killed = false;
    // Eight clients in a loop, streaming and not; an id counts once its answer was read to the end.
    const worker = async (n: number) => {
      for (let i = 0; !killed; i++) {
        try {
          if ((n + i) % 2 === 0) {
            const s = await client.chat.completions.create({ model: 'demo/echo', stream: true, messages: [{ role: 'user', content: `streamed ${n}.${i}` }] }).withResponse();
            let finished = false;
            for await (const chunk of s.data) finished ||= chunk.choices[0]?.finish_reason === 'stop';
            if (finished) received.push(s.response.headers.get('x-gatehouse-trace-id')!);
          } else {
            const r = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: `plain ${n}.${i}` }] }).withResponse();
            if (r.data.choices[0]?.message) received.push(r.response.headers.get('x-gatehouse-trace-id')!);
          }
        } catch {
          // Requests in flight when the process dies fail; only fully received answers count.
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, n) => worker(n));
    await waitFor(() => received.length >= 200, '200 answers under load', 60_000);
    gw.child.kill('SIGKILL');
    killed = true;
    await new Promise((r) => gw.child.once('exit', r));
    await Promise.all(workers);
    const got = [...received];

    const again = await spawnGateway([], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: token });
    running.push(again);
    const missing: string[] = [];
    for (const id of got) {
      const res = await fetch(`${again.url}/api/traces/${id}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) missing.push(`${id}: ${res.status}`);
    }
    expect(missing).toEqual([]);
    again.child.kill('SIGTERM');
    await new Promise((r) => again.child.once('exit', r));
    const db = new Database(join(home, 'gatehouse.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) FROM traces').pluck().get()).toBeGreaterThanOrEqual(got.length);
    db.close();
  }, 120_000);

  it('stores every trace in the database before it exits on SIGTERM, and leaves the journal empty', async () => {
    const home = newHome();
    const gw = await spawnGateway([], { GATEHOUSE_HOME: home, GATEHOUSE_TOKEN: 'stop-test-token-123' });
    running.push(gw);
    const client = new OpenAI({ apiKey: 'stop-test-token-123', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const ids: string[] = [];
    // Traces wait up to 100 ms to be handed to the importer: these are still waiting when the stop comes.
    for (let i = 0; i < 3; i++) {
      const r = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: `turn ${i}` }] }).withResponse();
      ids.push(r.response.headers.get('x-gatehouse-trace-id')!);
    }
    gw.child.kill('SIGTERM');
    await new Promise((r) => gw.child.once('exit', r));
    const db = new Database(join(home, 'gatehouse.db'), { readonly: true });
    expect(db.prepare('SELECT id FROM traces ORDER BY id').pluck().all()).toEqual(ids);
    db.close();
    expect(readFileSync(join(home, 'traces.journal'), 'utf8')).toBe('');
  });

  it('refuses a config with a typo, naming the file, line and field', () => {
    const home = newHome();
    const file = join(home, 'gatehouse.yaml');
    writeFileSync(file, 'providers:\n  - id: local\n    kind: openai\n    base_url: http://127.0.0.1:11434/v1\n    modles: [llama3]\n');
    const r = runCli(['start', '--port', '0', '--config', file], { GATEHOUSE_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:5: providers[0].modles: unknown key "modles": did you mean "models"?`);
  });

  it('refuses a provider whose apis list one its kind does not speak', () => {
    const home = newHome();
    const file = join(home, 'gatehouse.yaml');
    writeFileSync(file, 'providers:\n  - { id: gem, kind: gemini, api_key: env:GEMINI_API_KEY, apis: [chat.completions, responses] }\n');
    const r = runCli(['start', '--port', '0', '--config', file], { GATEHOUSE_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Config not loaded:\nproviders "gem": apis lists responses, which kind gemini does not speak; it can only narrow chat.completions, embeddings, models.');
  });

  it('says how to start the gateway when none runs', () => {
    const r = runCli(['status', '--port', '1'], { GATEHOUSE_HOME: newHome() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gatehouse start/);
  });

  it('exits 2 on bad usage', () => {
    expect(runCli(['frobnicate']).code).toBe(2);
    const r = runCli(['start', '--port', 'abc'], { GATEHOUSE_HOME: newHome() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a port number');
    const typo = runCli(['start', '--prot', '4152'], { GATEHOUSE_HOME: newHome() });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('unknown option --prot: did you mean --port?\n');
  });

  it('--help lists every command, and each command with its own options has its own usage', () => {
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['start', 'token', 'status', 'keys', 'setup', 'policy']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const usages: Record<string, string> = { start: '--log-level', keys: 'rm NAME', setup: '--write', policy: 'replay FILE' };
    for (const [command, option] of Object.entries(usages)) {
      const r = runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: gatehouse ${command} `));
      expect(r.stdout).toContain(option);
    }
  });
});

describe('the local token of another home', () => {
  it('says when `token` just created one, and a 401 names the home whose token the gateway wants', async () => {
    const home = newHome();
    const first = runCli(['token', '--home', home]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`Created a new local token for home ${home}`);
    const again = runCli(['token', '--home', home]);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).toBe('');

    const gw = await spawnGateway(['--home', home]);
    running.push(gw);
    const wrong = runCli(['token', '--home', newHome()]).stdout.trim();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wrong}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain(`run \`gatehouse token --home ${home}\` to print this gateway's token`);
  });
});
