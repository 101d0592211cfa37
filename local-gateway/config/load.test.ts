import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/config-error.js';
import { loadConfig } from './load.js';

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gh-config-')), 'gatehouse.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('runs on built-in defaults with no file', () => {
    const { config, file } = loadConfig(null);
    expect(file).toBeNull();
    expect(config.providers).toEqual([]);
    expect(config.tiers).toEqual({ active: 'dev', shadow: [] });
    expect(config.limits.body_mb).toBe(32);
  });

  it('reads providers and resolves the policy path next to the file', () => {
    const file = write(`providers:
  - id: ollama
    kind: openai
    base_url: http://127.0.0.1:11434/v1
    models: [llama3.2]
policy: ./policy.yaml
`);
    const { config } = loadConfig(file);
    expect(config.providers[0]).toMatchObject({ id: 'ollama', kind: 'openai', models: ['llama3.2'], headers: {} });
    expect(config.policy).toBe(join(file, '..', 'policy.yaml'));
  });

  it('names the line and field of a typo', () => {
    const file = write(`providers:
  - id: openai
    kind: openai
    base_url: https://api.openai.com/v1
    api_kye: env:OPENAI_API_KEY
`);
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(`${file}:5: providers[0].api_kye: unknown key "api_kye": did you mean "api_key"?`);
  });

  it('refuses a literal key, an unknown kind and a duplicate id, each on its line', () => {
    const file = write(`providers:
  - id: a
    kind: openai
    base_url: https://api.openai.com/v1
    api_key: sk-literal-key
  - id: b
    kind: anthropc
    base_url: https://api.anthropic.com
`);
    let message = '';
    try {
      loadConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`${file}:5: providers[0].api_key: must reference a secret as env:NAME`);
    expect(message).toContain(`${file}:7: providers[1].kind: unknown provider kind "anthropc": this build speaks openai, anthropic, azure-openai, gemini, ollama, bedrock`);
  });

  it('reads telemetry.otlp, and refuses a literal collector key and an unknown protocol on their lines', () => {
    const ok = loadConfig(write(`telemetry:\n  otlp: { endpoint: http://127.0.0.1:4318, headers: { x-api-key: keychain:honeycomb } }\n`)).config;
    expect(ok.telemetry?.otlp).toMatchObject({ protocol: 'http/protobuf', bodies: 'none', max_queue: 2048, headers: { 'x-api-key': 'keychain:honeycomb' } });
    const file = write(`telemetry:
  otlp:
    endpoint: http://127.0.0.1:4318
    protocol: grpc
    headers:
      x-api-key: hcaik_literal_key
`);
    let message = '';
    try {
      loadConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`${file}:4: telemetry.otlp.protocol:`);
    expect(message).toContain(`${file}:6: telemetry.otlp.headers.x-api-key: must reference a secret as env:NAME or keychain:NAME`);
    expect(message).not.toContain('hcaik_literal_key');
  });

  it('refuses a provider id used twice', () => {
    const file = write(`providers:
  - { id: a, kind: openai, base_url: http://127.0.0.1:1/v1 }
  - { id: a, kind: openai, base_url: http://127.0.0.1:2/v1 }
`);
    expect(() => loadConfig(file)).toThrow(`${file}:3: providers[1].id: provider id "a" is used twice`);
  });

  it('reads each kind with its own fields and defaults', () => {
    const file = write(`providers:
  - { id: az, kind: azure-openai, base_url: https://acme.openai.azure.com, api_key: env:AZURE_KEY, deployments: { gpt-4o: acme-gpt4o } }
  - { id: gem, kind: gemini, api_key: env:GEMINI_API_KEY }
  - { id: br, kind: bedrock, region: eu-central-1, access_key_id: env:AWS_ACCESS_KEY_ID, secret_access_key: env:AWS_SECRET_ACCESS_KEY }
  - { id: local, kind: ollama }
`);
    const [az, gem, br, local] = loadConfig(file).config.providers;
    expect(az).toMatchObject({ kind: 'azure-openai', api_version: '2024-10-21', deployments: { 'gpt-4o': 'acme-gpt4o' } });
    expect(gem).toMatchObject({ kind: 'gemini', base_url: 'https://generativelanguage.googleapis.com/v1beta' });
    expect(br).toMatchObject({ kind: 'bedrock', base_url: 'https://bedrock-runtime.eu-central-1.amazonaws.com', region: 'eu-central-1' });
    expect(local).toMatchObject({ kind: 'ollama', base_url: 'http://127.0.0.1:11434/v1' });
  });

  it('names the line of a field another kind has, a missing region and missing AWS credentials', () => {
    const file = write(`providers:
  - id: gem
    kind: gemini
    region: us-east-1
  - id: br
    kind: bedrock
  - id: br2
    kind: bedrock
    region: us-east-1
    secret_access_key: AKIALITERAL
`);
    let message = '';
    try {
      loadConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`${file}:4: providers[0].region: unknown key "region": remove it, or use one of id, base_url, api_key, models, headers, apis, kind`);
    expect(message).toContain(`${file}:5: providers[1].region: `);
    expect(message).toContain(`${file}:10: providers[2].secret_access_key: must reference a secret as env:NAME`);
  });

  it('asks for AWS credentials or a Bedrock API key', () => {
    const file = write(`providers:
  - id: br
    kind: bedrock
    region: us-east-1
    access_key_id: env:AWS_ACCESS_KEY_ID
`);
    expect(() => loadConfig(file)).toThrow(`${file}:2: providers[0].secret_access_key: set access_key_id and secret_access_key (e.g. env:AWS_ACCESS_KEY_ID, env:AWS_SECRET_ACCESS_KEY), or api_key for a Bedrock API key`);
  });

  it('reports an unknown key at its own line with the nearest valid key, and zod\'s phrasing never', () => {
    const file = write(`providers:
  - id: a
    kind: anthropic
    modles: [claude-sonnet-4-5]
  - kind: openai
    base_url: http://127.0.0.1:1/v1
timeouts:
  connect_ms: fast
limts:
  body_mb: 3
tiers: { shadow: prod }
sync: { outbox: { overflow: drop_all } }
banana: 1
`);
    let message = '';
    try {
      loadConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      `${file}:4: providers[0].modles: unknown key "modles": did you mean "models"?`,
      `${file}:5: providers[1].id: is missing: add it as a string`,
      `${file}:8: timeouts.connect_ms: must be a number, not the text "fast"`,
      `${file}:9: limts: unknown key "limts": did you mean "limits"?`,
      `${file}:11: tiers.shadow: must be a list, not the text "prod"`,
      `${file}:12: sync.outbox.overflow: must be one of "drop_oldest", "drop_newest", not the text "drop_all"`,
      `${file}:13: banana: unknown key "banana": remove it, or use one of providers, policy, tiers, limits, timeouts, prices, mcp, central, sync, storage, telemetry`,
    ]);
    expect(message).not.toMatch(/Invalid input|expected .*, received|Unrecognized key/);
  });

  it('names a provider without a kind and the kinds there are', () => {
    const file = write(`providers:\n  - { id: b }\n`);
    expect(() => loadConfig(file)).toThrow(`${file}:2: providers[0].kind: is missing: add one of openai, anthropic, azure-openai, gemini, ollama, bedrock`);
  });

  it('reports YAML syntax errors with their line', () => {
    const file = write(`providers:\n  - id: a\n   kind: openai\n`);
    expect(() => loadConfig(file)).toThrow(/gatehouse\.yaml:3: /);
    expect(() => loadConfig(file)).toThrow(/\(YAML syntax\): check the indentation/);
    const twice = write('limits: {}\nlimits: {}\n');
    expect(() => loadConfig(twice)).toThrow(`${twice}:2: this key appears twice in the same mapping: keep one`);
  });

  it('says what to do when the file is missing', () => {
    expect(() => loadConfig('/nonexistent/gatehouse.yaml')).toThrow(/no such config file; create it or drop --config/);
  });

  it('reads mcp.servers, resolving a stdio server against the file, and refuses a literal credential with its line', () => {
    const ok = write('mcp:\n  servers:\n    - { id: files, command: [node, ./files.js], env: { ROOT: /repo, TOKEN: "env:FILES_TOKEN" } }\n    - { id: tickets, url: https://mcp.example.com/mcp, headers: { authorization: "keychain:tickets" } }\n');
    const { config } = loadConfig(ok);
    expect(config.mcp.servers[0]).toMatchObject({ id: 'files', command: ['node', './files.js'], cwd: dirname(ok), env: { ROOT: '/repo', TOKEN: 'env:FILES_TOKEN' } });
    expect(config.mcp.servers[1]).toMatchObject({ id: 'tickets', headers: { authorization: 'keychain:tickets' } });
    const literal = write('mcp:\n  servers:\n    - id: tickets\n      url: https://mcp.example.com/mcp\n      headers: { authorization: "Bearer abc" }\n');
    expect(() => loadConfig(literal)).toThrow(`${literal}:5: mcp.servers[0].headers.authorization: must reference a secret as env:NAME or keychain:NAME`);
    const twice = write('mcp:\n  servers:\n    - { id: a, command: [x] }\n    - { id: a, command: [y] }\n');
    expect(() => loadConfig(twice)).toThrow('mcp.servers[1].id: MCP server id "a" is used twice');
  });

  it('reads the revision an MCP server is spoken to on (auto unless pinned), and refuses an unknown one on its line', () => {
    const { config } = loadConfig(write('mcp:\n  servers:\n    - { id: a, command: [x] }\n    - { id: b, url: https://mcp.example.com/mcp, protocol: "2026-07-28" }\n'));
    expect(config.mcp.servers.map((s) => s.protocol)).toEqual(['auto', '2026-07-28']);
    const typo = write('mcp:\n  servers:\n    - id: b\n      url: https://mcp.example.com/mcp\n      protocol: "2026-07"\n');
    expect(() => loadConfig(typo)).toThrow(`${typo}:3: mcp.servers[0]: protocol: must be one of "auto", "2025-11-25", "2026-07-28", not the text "2026-07"`);
  });
});
