import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli, spawnGateway, type RunningGateway } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';

/** A session bus address where nothing listens: what a headless Linux box without a Secret Service looks like. */
const NO_BUS = { GATEHOUSE_KEYCHAIN: '', GATEHOUSE_KEYCHAIN_SERVICE: 'gatehouse-test-nobus', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/gatehouse-test-bus' };

const linux = process.platform === 'linux';
const WHY_SKIPPED = 'test/no-keychain.test.ts: it simulates a missing Secret Service through D-Bus, which only Linux uses';
if (!linux && process.env.GATEHOUSE_TEST_KEYCHAIN === 'required') throw new Error(`${WHY_SKIPPED}; GATEHOUSE_TEST_KEYCHAIN=required needs it to run`);
if (!linux) console.warn(`${WHY_SKIPPED}: skipped`);

const oneSentence = (text: string) => {
  const lines = text.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^[A-Z][^]*\.$/);
};

describe.skipIf(!linux)('without a reachable keychain', () => {
  const running: RunningGateway[] = [];
  afterEach(() => {
    for (const g of running.splice(0)) if (g.child.exitCode === null) g.child.kill('SIGKILL');
  });

  it('keys set fails with one sentence naming the fix, and never writes the value anywhere', () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-nokc-'));
    const r = runCli(['keys', 'set', 'openai', '--home', home], NO_BUS, 'sk-would-be-plaintext-123456');
    expect(r.code).toBe(1);
    oneSentence(r.stderr);
    expect(r.stderr).toContain('No OS keychain is reachable');
    expect(r.stderr).toContain('env:NAME');
    const pat = runCli(['keys', 'set', 'pat', '--home', home], NO_BUS, 'ghp_would_be_plaintext_123456');
    expect(pat.code).toBe(1);
    oneSentence(pat.stderr);
    // A PAT has no environment alternative: the advice must not offer one.
    expect(pat.stderr).not.toContain('env:NAME');
    const files = spawnSync('grep', ['-rl', 'plaintext', home], { encoding: 'utf8' });
    expect(files.stdout).toBe('');
  });

  it('gatehouse start still starts: the token goes to a 0600 file, the banner says why, and a keychain key gives a clear 503', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-nokc-'));
    writeFileSync(join(home, 'gatehouse.yaml'), 'providers:\n  - id: openai\n    kind: openai\n    base_url: http://127.0.0.1:9/v1\n    api_key: keychain:openai\n');
    const gw = await spawnGateway(['--home', home], NO_BUS);
    running.push(gw);
    expect(gw.stdout).toMatch(/Local token {3}in .*token \(print it with `gatehouse token`\); no OS keychain is reachable/);
    expect(statSync(join(home, 'token')).mode & 0o777).toBe(0o600);
    const token = readFileSync(join(home, 'token'), 'utf8').trim();
    expect(runCli(['token', '--home', home], NO_BUS).stdout.trim()).toBe(token);

    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('GH_ERR_KEYCHAIN_UNAVAILABLE');
    oneSentence(body.error.message);
    expect(body.error.message).toContain('the key "openai" of provider "openai" cannot be read');
    expect(body.error.message).toContain('env:NAME');
    // The start already said so in the log, before any request needed the key.
    await waitFor(() => /WARN No OS keychain is reachable .* so the key "openai" of provider "openai" cannot be read/.test(gw.stderr()), 'the warning in the log');
  });

  const haveKeyring = ['dbus-run-session', 'gnome-keyring-daemon'].every((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);
  it.skipIf(!haveKeyring)('a locked keyring says to unlock it', () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-nokc-'));
    const session = (script: string) =>
      spawnSync('dbus-run-session', ['--', 'sh', '-c', script], {
        encoding: 'utf8',
        env: { ...process.env, GATEHOUSE_KEYCHAIN: '', GATEHOUSE_KEYCHAIN_SERVICE: 'gatehouse-test-locked', HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_RUNTIME_DIR: home },
        timeout: 30_000,
      });
    // The first session creates the login keyring; the second starts the daemon without unlocking it,
    // as after a login that did not unlock it, and its unlock prompt cannot show on a headless machine.
    session('printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1');
    const r = session(`gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; printf 'sk-locked-value-123456' | "${process.execPath}" "${BIN}" keys set openai --home "${home}"`);
    expect(r.status).toBe(1);
    const sentence = r.stderr.split('\n').find((l) => l.includes('OS keychain'));
    expect(sentence).toMatch(/The OS keychain is locked, so the key "openai" cannot be stored: unlock your keyring/);
  });
});
