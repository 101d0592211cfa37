import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/config-error.js';
import { ConfigSchema } from '../config/schema.js';
import { createProviders } from './index.js';

const ctx = { timeouts: ConfigSchema.parse({}).timeouts, env: {} };
const vllm = (apis?: unknown) => ({ providers: [{ id: 'vllm', kind: 'openai', base_url: 'http://127.0.0.1:8000/v1', ...(apis ? { apis } : {}) }] });

describe('a provider\'s configured apis', () => {
  it('narrow what the adapter declares; without them it declares all its kind speaks', () => {
    expect([...createProviders(ConfigSchema.parse(vllm()), ctx).get('vllm')!.apis]).toContain('responses');
    const narrowed = createProviders(ConfigSchema.parse(vllm(['chat.completions', 'embeddings'])), ctx).get('vllm')!;
    expect([...narrowed.apis]).toEqual(['chat.completions', 'embeddings']);
    expect(narrowed.kind).toBe('openai');
  });

  it('refuses an unknown API name in the config, naming the valid ones', () => {
    const result = ConfigSchema.safeParse(vllm(['chat']));
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toContain('chat.completions, responses, messages');
  });

  it('refuses at start an API the kind does not speak, saying what it can narrow', () => {
    const config = ConfigSchema.parse({ providers: [{ id: 'gem', kind: 'gemini', api_key: 'env:K', apis: ['responses'] }] });
    expect(() => createProviders(config, ctx)).toThrow(ConfigError);
    expect(() => createProviders(config, ctx)).toThrow(/apis lists responses, which kind gemini does not speak; it can only narrow chat.completions, embeddings, models/);
  });
});
