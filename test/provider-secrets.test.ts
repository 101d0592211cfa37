/**
 * Provider keys are in the redaction list as soon as the adapter exists, wherever they are
 * kept: a trace written before the first call to that provider must mask them too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { createProviders } from '../local-gateway/providers/index.js';
import { testKeychain } from './helpers/keychain.js';

const kc = await testKeychain('test/provider-secrets.test.ts');
const KEY = 'sk-ant-keychain-held-0123456789abcdef';
const ENV_KEY = 'sk-ant-env-held-fedcba9876543210';

afterAll(() => kc.cleanup());

const adapter = (apiKey: string, env: NodeJS.ProcessEnv) => {
  const config = ConfigSchema.parse({ providers: [{ id: 'claude', kind: 'anthropic', base_url: 'http://127.0.0.1:9/', api_key: apiKey }] });
  return createProviders(config, { timeouts: config.timeouts, env }).get('claude')!;
};

describe("the anthropic adapter's secrets()", () => {
  it('holds an env: key', () => {
    expect(adapter('env:CLAUDE_KEY', { CLAUDE_KEY: ENV_KEY }).secrets()).toEqual([ENV_KEY]);
    expect(adapter('env:CLAUDE_KEY', {}).secrets()).toEqual([]);
  });

  it.skipIf(!kc.available)('holds a keychain: key before any call reads it', async () => {
    await kc.keychain.set('claude-key', KEY);
    expect(adapter('keychain:claude-key', { ...process.env, ...kc.env }).secrets()).toEqual([KEY]);
    // An entry that is missing holds nothing; the call that needs it says how to add it.
    expect(adapter('keychain:not-there', { ...process.env, ...kc.env }).secrets()).toEqual([]);
  });
});
