import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from './helpers/cli.js';

const TOKEN = 'gh_local_setup_test_token_42';
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gatehouse-setup-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const setup = (...args: string[]) => runCli(['setup', ...args, '--port', '4242'], { HOME: home, GATEHOUSE_HOME: join(home, 'gh'), GATEHOUSE_TOKEN: TOKEN, CODEX_HOME: '' });
const backups = (dir: string) => readdirSync(dir).filter((f) => f.includes('.gatehouse-backup-'));

describe('gatehouse setup', () => {
  it('claude-code prints the env vars with the local token', () => {
    const r = setup('claude-code', '--model', 'up/gpt-4o');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('export ANTHROPIC_BASE_URL=http://127.0.0.1:4242\n');
    expect(r.stdout).toContain(`export ANTHROPIC_AUTH_TOKEN=${TOKEN}\n`);
    expect(r.stdout).toContain('export ANTHROPIC_MODEL=up/gpt-4o\n');
  });

  it('claude-code without --model names a model the gateway serves, and says which and why', () => {
    const r = setup('claude-code');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('No --model given: using demo/echo, the built-in demo model, since no provider in the config lists its models; pick another with --model <provider>/<model>.');
    expect(r.stdout).toContain('export ANTHROPIC_MODEL=demo/echo\n');
    expect(r.stdout).toContain('export ANTHROPIC_DEFAULT_HAIKU_MODEL=demo/echo\n');
    mkdirSync(join(home, 'gh'), { recursive: true });
    writeFileSync(join(home, 'gh', 'gatehouse.yaml'), 'providers:\n  - { id: local, kind: ollama }\n  - { id: up, kind: openai, base_url: http://127.0.0.1:1/v1, models: [gpt-4o-mini, gpt-4o] }\n');
    const configured = setup('claude-code');
    expect(configured.stdout).toContain('No --model given: using up/gpt-4o-mini, the first model the config lists (provider up)');
    expect(configured.stdout).toContain('export ANTHROPIC_MODEL=up/gpt-4o-mini\n');
    expect(setup('codex').stdout).toContain('model = "up/gpt-4o-mini"');
    // A model given is used as it is, with no note about a default.
    expect(setup('claude-code', '--model', 'up/gpt-4o').stdout).not.toContain('No --model given');
  });

  it('claude-code --write merges into settings.json, keeps the rest, backs up, shows the diff', () => {
    const dir = join(home, '.claude');
    mkdirSync(dir);
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ model: 'opus', env: { FOO: '1' }, permissions: { allow: ['Bash(ls)'] } }));
    const r = setup('claude-code', '--write');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\+\s+"ANTHROPIC_BASE_URL": "http:\/\/127\.0\.0\.1:4242",?$/m);
    const settings = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(settings).toEqual({
      model: 'opus',
      env: { FOO: '1', ANTHROPIC_BASE_URL: 'http://127.0.0.1:4242', ANTHROPIC_AUTH_TOKEN: TOKEN, ANTHROPIC_MODEL: 'demo/echo', ANTHROPIC_DEFAULT_HAIKU_MODEL: 'demo/echo' },
      permissions: { allow: ['Bash(ls)'] },
    });
    expect(backups(dir)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, backups(dir)[0]!), 'utf8'))).toMatchObject({ model: 'opus' });
    // A second run changes nothing and makes no new backup.
    expect(setup('claude-code', '--write').stdout).toContain('already points at Gatehouse');
    expect(backups(dir)).toHaveLength(1);
  });

  it('claude-code --write refuses a settings.json it cannot read, and leaves it alone', () => {
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude', 'settings.json'), '{ broken');
    const r = setup('claude-code', '--write');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not valid JSON: fix it');
    expect(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).toBe('{ broken');
  });

  it('codex --write adds the provider to config.toml without touching other tables or comments', () => {
    const dir = join(home, '.codex');
    mkdirSync(dir);
    const before = ['# my codex config', 'model = "o3"', 'approval_policy = "on-request"', '', '[model_providers.other]', 'name = "Other"', 'base_url = "http://example.test/v1"', '', '[profiles.fast]', 'model = "gpt-5-mini"', ''].join('\n');
    writeFileSync(join(dir, 'config.toml'), before);
    const r = setup('codex', '--write', '--model', 'claude/claude-sonnet-4-5');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`export GATEHOUSE_TOKEN=${TOKEN}`);
    const after = readFileSync(join(dir, 'config.toml'), 'utf8');
    expect(after).toBe(
      [
        '# my codex config',
        'model = "claude/claude-sonnet-4-5"',
        'approval_policy = "on-request"',
        'model_provider = "gatehouse"',
        '',
        '[model_providers.other]',
        'name = "Other"',
        'base_url = "http://example.test/v1"',
        '',
        '[profiles.fast]',
        'model = "gpt-5-mini"',
        '',
        '[model_providers.gatehouse]',
        'name = "Gatehouse"',
        'base_url = "http://127.0.0.1:4242/v1"',
        'env_key = "GATEHOUSE_TOKEN"',
        'wire_api = "responses"',
        '',
      ].join('\n'),
    );
    expect(readFileSync(join(dir, backups(dir)[0]!), 'utf8')).toBe(before);
    expect(setup('codex', '--write', '--model', 'claude/claude-sonnet-4-5').stdout).toContain('already points at Gatehouse');
  });

  it('continue --write keeps the user\'s models and comments and replaces earlier Gatehouse entries', () => {
    const dir = join(home, '.continue');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.yaml'), ['name: My Assistant', 'version: 1.0.0', 'schema: v1', '# my models', 'models:', '  - name: Local Llama', '    provider: ollama', '    model: llama3.1', ''].join('\n'));
    expect(setup('continue', '--write', '--model', 'up/gpt-4o,claude/claude-sonnet-4-5').code).toBe(0);
    expect(setup('continue', '--write', '--model', 'up/gpt-4o-mini').code).toBe(0);
    const text = readFileSync(join(dir, 'config.yaml'), 'utf8');
    expect(text).toContain('# my models');
    const doc = YAML.parse(text) as { name: string; models: Record<string, unknown>[] };
    expect(doc.name).toBe('My Assistant');
    expect(doc.models).toEqual([
      { name: 'Local Llama', provider: 'ollama', model: 'llama3.1' },
      { name: 'Gatehouse up/gpt-4o-mini', provider: 'openai', model: 'up/gpt-4o-mini', apiBase: 'http://127.0.0.1:4242/v1', apiKey: TOKEN, roles: ['chat', 'edit', 'apply'] },
    ]);
    expect(backups(dir)).toHaveLength(2);
  });

  it('continue --write creates a config when there is none', () => {
    expect(setup('continue', '--write').code).toBe(0);
    const doc = YAML.parse(readFileSync(join(home, '.continue', 'config.yaml'), 'utf8')) as { schema: string; models: { model: string }[] };
    expect(doc.schema).toBe('v1');
    expect(doc.models.map((m) => m.model)).toEqual(['demo/echo']);
  });

  it('cursor prints the settings to enter and its caveats; --write has no file to change', () => {
    const r = setup('cursor');
    expect(r.stdout).toContain(`OpenAI API Key:            ${TOKEN}`);
    expect(r.stdout).toContain('Override OpenAI Base URL:  http://127.0.0.1:4242/v1');
    expect(r.stdout).toContain('cannot reach 127.0.0.1');
    const w = setup('cursor', '--write');
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('enter the values above by hand');
    expect(existsSync(join(home, '.cursor'))).toBe(false);
  });

  it('--json is machine-readable; an unknown tool is a usage error', () => {
    const j = JSON.parse(setup('codex', '--json').stdout) as { base_url: string; env: Record<string, string>; files: string[] };
    expect(j).toMatchObject({ base_url: 'http://127.0.0.1:4242/v1', env: { GATEHOUSE_TOKEN: TOKEN }, files: [join(home, '.codex', 'config.toml')] });
    const bad = setup('vscode');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('gatehouse setup claude-code|codex|cursor|continue');
  });
});

describe('gatehouse setup --mcp', () => {
  it('claude-code --mcp --write adds the gateway to ~/.claude.json as an HTTP server, keeping the rest, with a backup', () => {
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ numStartups: 3, mcpServers: { other: { type: 'stdio', command: 'x' } } }));
    const r = setup('claude-code', '--mcp', '--write');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"url": "http://127.0.0.1:4242/mcp"');
    expect(JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8'))).toEqual({
      numStartups: 3,
      mcpServers: { other: { type: 'stdio', command: 'x' }, gatehouse: { type: 'http', url: 'http://127.0.0.1:4242/mcp', headers: { Authorization: `Bearer ${TOKEN}` } } },
    });
    expect(backups(home)).toHaveLength(1);
    expect(setup('claude-code', '--mcp', '--write').stdout).toContain('already points at Gatehouse');
  });

  it('codex --mcp --write adds [mcp_servers.gatehouse] with the token from the environment, never in the file', () => {
    mkdirSync(join(home, '.codex'));
    writeFileSync(join(home, '.codex', 'config.toml'), 'model = "o3"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n');
    const r = setup('codex', '--mcp', '--write');
    expect(r.code, r.stderr).toBe(0);
    const toml = readFileSync(join(home, '.codex', 'config.toml'), 'utf8');
    expect(toml).toBe('model = "o3"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n\n[mcp_servers.gatehouse]\nurl = "http://127.0.0.1:4242/mcp"\nbearer_token_env_var = "GATEHOUSE_TOKEN"\n');
    expect(toml).not.toContain(TOKEN);
    expect(r.stdout).toContain(`export GATEHOUSE_TOKEN=${TOKEN}`);
  });

  it('cursor and continue --mcp --write write their own files', () => {
    expect(setup('cursor', '--mcp', '--write').code).toBe(0);
    expect(JSON.parse(readFileSync(join(home, '.cursor', 'mcp.json'), 'utf8'))).toEqual({ mcpServers: { gatehouse: { url: 'http://127.0.0.1:4242/mcp', headers: { Authorization: `Bearer ${TOKEN}` } } } });
    mkdirSync(join(home, '.continue'));
    writeFileSync(join(home, '.continue', 'config.yaml'), '# mine\nname: A\nversion: 1.0.0\nschema: v1\nmcpServers:\n  - name: Docs\n    command: docs-mcp\n');
    expect(setup('continue', '--mcp', '--write').code).toBe(0);
    const text = readFileSync(join(home, '.continue', 'config.yaml'), 'utf8');
    expect(text).toContain('# mine');
    expect(YAML.parse(text)).toMatchObject({ mcpServers: [{ name: 'Docs', command: 'docs-mcp' }, { name: 'Gatehouse', type: 'streamable-http', url: 'http://127.0.0.1:4242/mcp', requestOptions: { headers: { Authorization: `Bearer ${TOKEN}` } } }] });
  });

  it('without --write prints the snippet and writes nothing', () => {
    const r = setup('cursor', '--mcp');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Merge this into');
    expect(existsSync(join(home, '.cursor'))).toBe(false);
  });
});
