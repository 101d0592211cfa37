import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';

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
    expect(() => loadConfig(file)).toThrow(`${file}:2: providers[0]: Unrecognized key: "api_kye"`);
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
    expect(message).toContain(`${file}:7: providers[1].kind: unknown provider kind "anthropc": this build speaks openai, azure-openai, gemini, ollama, bedrock`);
  });

  it('refuses a provider id used twice', () => {
    const file = write(`providers:
  - { id: a, kind: openai, base_url: http://127.0.0.1:1/v1 }
  - { id: a, kind: openai, base_url: http://127.0.0.1:2/v1 }
`);
    expect(() => loadConfig(file)).toThrow(`${file}:3: providers[1].id: provider id "a" is used twice`);
  });

  it('reports YAML syntax errors with their line', () => {
    const file = write(`providers:\n  - id: a\n   kind: openai\n`);
    expect(() => loadConfig(file)).toThrow(/gatehouse\.yaml:3: /);
  });

  it('says what to do when the file is missing', () => {
    expect(() => loadConfig('/nonexistent/gatehouse.yaml')).toThrow(/no such config file; create it or drop --config/);
  });
});
