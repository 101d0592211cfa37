import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnGateway, type RunningGateway } from './helpers/cli.js';
import { testKeychain } from './helpers/keychain.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const kc = await testKeychain('test/keys.test.ts');

const KEY_1 = 'sk-keychain-first-0123456789abcdef';
const KEY_2 = 'sk-keychain-rotated-fedcba9876543210';

describe.skipIf(!kc.available)('keys in the OS keychain (a real Secret Service)', { timeout: 60_000 }, () => {
  let upstream: OpenAIStandin;
  let home: string;
  const running: RunningGateway[] = [];
  const cli = (args: string[], input = '') => runCli([...args, '--home', home], kc.env, input);

  beforeAll(async () => {
    upstream = await startOpenAIStandin({ apiKey: KEY_1 });
    home = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
    writeFileSync(join(home, 'gatehouse.yaml'), `providers:\n  - id: up\n    kind: openai\n    base_url: ${upstream.url}\n    api_key: keychain:up-key\n`);
  });
  afterEach(() => {
    for (const g of running.splice(0)) if (g.child.exitCode === null) g.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await kc.cleanup();
    await upstream.close();
  });

  it('keys set takes the value on stdin; list shows names, kinds and times, never a value', async () => {
    const set = cli(['keys', 'set', 'up-key'], `${KEY_1}\n`);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Stored "up-key" (provider) in the OS keychain');
    expect(cli(['keys', 'set', 'pat'], 'ghp_pat_value_for_listing_only').code).toBe(0);
    expect(cli(['keys', 'set', 'scratch'], 'scratch-value-123456').code).toBe(0);
    // It is really in the keychain, under the test's service.
    expect(await kc.keychain.get('up-key')).toBe(KEY_1);

    const listed = cli(['keys', 'list', '--json']);
    expect(listed.code).toBe(0);
    const { keys } = JSON.parse(listed.stdout) as { keys: { name: string; kind: string; set_at: string }[] };
    expect(keys.map((k) => [k.name, k.kind])).toEqual([
      ['pat', 'pat'],
      ['scratch', 'other'],
      ['up-key', 'provider'],
    ]);
    expect(keys.every((k) => !Number.isNaN(Date.parse(k.set_at)))).toBe(true);
    const table = cli(['keys', 'list']);
    expect(table.stdout).toMatch(/up-key\s+provider\s+\d{4}-/);
    for (const out of [listed.stdout, table.stdout, readFileSync(join(home, 'keys.json'), 'utf8')]) {
      expect(out).not.toContain(KEY_1);
      expect(out).not.toContain('ghp_pat_value');
      expect(out).not.toContain('scratch-value');
    }

    expect(cli(['keys', 'rm', 'scratch']).code).toBe(0);
    expect(await kc.keychain.get('scratch')).toBeNull();
    const again = cli(['keys', 'rm', 'scratch']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No key named "scratch"');
  });

  it('moves a token a headless run left in the 0600 file into the keychain, keeping its value', async () => {
    const own = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
    writeFileSync(join(own, 'token'), 'gh_local_left_by_a_headless_run_0123\n', { mode: 0o600 });
    const r = runCli(['token', '--json', '--home', own], kc.env);
    expect(JSON.parse(r.stdout)).toEqual({ token: 'gh_local_left_by_a_headless_run_0123', source: 'keychain', file: null });
    expect(existsSync(join(own, 'token'))).toBe(false);
    const listed = JSON.parse(runCli(['keys', 'list', '--json', '--home', own], kc.env).stdout) as { keys: { name: string; kind: string }[] };
    expect(listed.keys).toEqual([expect.objectContaining({ name: expect.stringMatching(/^local-token\.[0-9a-f]{12}$/), kind: 'token' })]);
  });

  it('refuses a value on the command line, an empty value and a bad name', async () => {
    const argv = cli(['keys', 'set', 'leaky', 'sk-on-the-command-line-123']);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('on stdin, never as an argument');
    expect(argv.stderr.trim().split('\n')).toHaveLength(1);
    expect(await kc.keychain.get('leaky')).toBeNull();
    const empty = cli(['keys', 'set', 'leaky'], '\n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No value on stdin');
    expect(cli(['keys', 'set', '../etc'], 'x-value-12345').code).toBe(2);
    expect(cli(['keys', 'set', 'local-token.abc'], 'x-value-12345').code).toBe(2);
  });

  it('uses the keychain key upstream, picks up a new value without a restart, and names the fix once it is gone', async () => {
    const gw = await spawnGateway(['--home', home, '--log-level', 'info'], kc.env);
    running.push(gw);
    expect(gw.stdout).toContain('Local token   in the OS keychain');
    expect(existsSync(join(home, 'token'))).toBe(false);
    const token = cli(['token']).stdout.trim();
    expect(token).toMatch(/^gh_local_/);
    const client = new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0 });

    const first = await client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(first.choices[0]!.message.content).toBe('echo: hello');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY_1}`);

    // The provider rotates the key; `keys set` stores the new one and tells the running gateway.
    upstream.setApiKey(KEY_2);
    const rotated = cli(['keys', 'set', 'up-key'], KEY_2);
    expect(rotated.stdout).toContain('The running gateway uses it from now on');
    const second = await client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] });
    expect(second.choices[0]!.message.content).toBe('echo: again');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY_2}`);

    expect(cli(['keys', 'rm', 'up-key']).code).toBe(0);
    const err = (await client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(err.status).toBe(502);
    expect(err.message).toContain('gatehouse keys set up-key');
    expect(gw.stderr()).not.toContain(KEY_1);
    expect(gw.stderr()).not.toContain(KEY_2);
  });

  it('re-reads a key the provider refuses, so a key changed behind its back works on the next call', async () => {
    await kc.keychain.set('up-key', KEY_1);
    upstream.setApiKey(KEY_1);
    const gw = await spawnGateway(['--home', home], kc.env);
    running.push(gw);
    const client = new OpenAI({ apiKey: cli(['token']).stdout.trim(), baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'up/m', messages: [{ role: 'user', content: 'one' }] });
    // Changed directly in the keychain (e.g. by the desktop app), without telling the gateway.
    await kc.keychain.set('up-key', KEY_2);
    upstream.setApiKey(KEY_2);
    const refused = await client.chat.completions.create({ model: 'up/m', messages: [{ role: 'user', content: 'two' }] }).catch((e: unknown) => e);
    // The provider refusing its key is an upstream failure (502), not the client's 401.
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const retried = await client.chat.completions.create({ model: 'up/m', messages: [{ role: 'user', content: 'three' }] });
    expect(retried.choices[0]!.message.content).toBe('echo: three');
  });
});
