import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rule } from '../../../test/helpers/guardrail-rule.js';
import { BLOCKED_MESSAGE, startBedrockGuardrailStandin, type BedrockGuardrailStandin } from '../../../test/standins/bedrock-guardrail.js';
import type { ProviderConfig } from '../../providers/registry.js';
import { BedrockGuardrailConfig, createBedrockGuardrail } from './bedrock-guardrail.js';
import { closeGuardrailPools, setGuardrailRuntime } from './runtime.js';

const AWS = { region: 'eu-west-1', accessKeyId: 'AKIAGUARDRAILTEST01', secretAccessKey: 'guardrail-secret-access-key-0123456789' };
const ENV = { AWS_ID: AWS.accessKeyId, AWS_SECRET: AWS.secretAccessKey, AWS_BAD_SECRET: 'not-the-secret-access-key-0000' };
let standin: BedrockGuardrailStandin;

beforeAll(async () => {
  standin = await startBedrockGuardrailStandin({ ...AWS, guardrailId: 'gr7x2k9q1', guardrailVersion: '3' });
  setGuardrailRuntime({ env: ENV, providers: [] });
});
afterAll(async () => {
  await closeGuardrailPools();
  await standin.close();
});
afterEach(() => {
  standin.mode = null;
});

const own = { guardrail_id: 'gr7x2k9q1', guardrail_version: '3', region: AWS.region, access_key_id: 'env:AWS_ID', secret_access_key: 'env:AWS_SECRET' };
function check(config: Record<string, unknown> = {}, hook: 'llm_input' | 'llm_output' = 'llm_input') {
  return createBedrockGuardrail(BedrockGuardrailConfig.parse({ ...own, base_url: standin.origin, ...config }), rule('bedrock_guardrail', hook));
}

describe('bedrock_guardrail', () => {
  it('applies the guardrail with a SigV4-signed call per text, the hook as its source', async () => {
    const before = standin.requests.length;
    expect(await check().scan(['a clean question', 'another'])).toEqual([]);
    expect(standin.requests.length - before).toBe(2);
    const req = standin.requests.at(-1)!;
    expect(req.path).toBe('/guardrail/gr7x2k9q1/version/3/apply');
    expect(String(req.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAGUARDRAILTEST01\/\d{8}\/eu-west-1\/bedrock\/aws4_request/);
    expect(req.body).toEqual({ source: 'INPUT', content: [{ text: { text: 'another' } }] });
    await check({}, 'llm_output').scan(['an answer']);
    expect(standin.requests.at(-1)!.body).toMatchObject({ source: 'OUTPUT' });
  });

  it('reports topics and content filters over the whole text, PII and words where they match', async () => {
    const texts = ['any stock tips for today?', 'mail jane@acme.io or jane@acme.io', 'please frobnicate it [[flag:insults]]'];
    const found = await check().scan(texts);
    expect(found).toEqual([
      { type: 'Investment advice', text: 0, start: 0, end: texts[0]!.length },
      { type: 'email', text: 1, start: 5, end: 17 },
      { type: 'email', text: 1, start: 21, end: 33 },
      { type: 'insults', text: 2, start: 0, end: texts[2]!.length },
      { type: 'custom_word', text: 2, start: 7, end: 17 },
    ]);
  });

  it('mutate uses the text as Bedrock masked it', async () => {
    const c = check();
    const texts = ['mail jane@acme.io please', 'clean', 'stock tips?'];
    expect(c.redact(texts, await c.scan(texts))).toEqual(['mail {EMAIL} please', 'clean', BLOCKED_MESSAGE]);
  });

  it('borrows region, endpoint and credentials from a Bedrock provider', async () => {
    const provider = { id: 'aws', kind: 'bedrock', region: AWS.region, base_url: standin.origin, access_key_id: 'env:AWS_ID', secret_access_key: 'env:AWS_SECRET', models: [], headers: {} } as ProviderConfig;
    setGuardrailRuntime({ env: ENV, providers: [provider] });
    try {
      const c = createBedrockGuardrail(BedrockGuardrailConfig.parse({ guardrail_id: 'gr7x2k9q1', guardrail_version: '3', provider: 'aws' }), rule('bedrock_guardrail'));
      expect(await c.scan(['stock tips'])).toMatchObject([{ type: 'Investment advice' }]);
    } finally {
      setGuardrailRuntime({ env: ENV, providers: [] });
    }
  });

  it('a bad signature, an unknown guardrail, an error, a timeout and a bad body fail without showing a key', async () => {
    const signed = await check({ secret_access_key: 'env:AWS_BAD_SECRET' }).scan(['hi']).catch((e: Error) => e);
    expect(String(signed)).toMatch(/key refused \(403: The request signature we calculated does not match/);
    expect(String(signed)).not.toContain(ENV.AWS_BAD_SECRET);
    await expect(check({ guardrail_version: '4' }).scan(['hi'])).rejects.toThrow(/answered 404: The guardrail identifier or version provided in the request does not exist/);
    await expect(check().scan(['x [[status:500]]'])).rejects.toThrow(/bedrock_guardrail answered 500/);
    await expect(check({ timeout_ms: 250 }).scan(['x [[slow]]'])).rejects.toThrow(/did not answer within 250 ms/);
    await expect(check().scan(['x [[malformed]]'])).rejects.toThrow(/not JSON/);
  });

  it('a config without credentials says what to give', () => {
    const r = BedrockGuardrailConfig.safeParse({ guardrail_id: 'gr7x2k9q1' });
    expect(r.error!.issues[0]!.message).toMatch(/provider: bedrock.*region, access_key_id and secret_access_key/);
    expect(BedrockGuardrailConfig.safeParse({ ...own, guardrail_version: 'latest' }).success).toBe(false);
  });
});
