import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rule } from '../../../test/helpers/guardrail-rule.js';
import { startContentSafetyStandin, type ContentSafetyStandin } from '../../../test/standins/azure-content-safety.js';
import { AZURE_MAX_CHARS, AzureContentSafetyConfig, createAzureContentSafety } from './azure-content-safety.js';
import { pieces } from './check.js';
import { closeGuardrailPools, setGuardrailRuntime } from './runtime.js';

const KEY = 'azure-content-safety-test-key-0123';
let standin: ContentSafetyStandin;

beforeAll(async () => {
  standin = await startContentSafetyStandin({ apiKey: KEY, blocklists: { codenames: ['Project Falcon'] } });
  setGuardrailRuntime({ env: { CS_KEY: KEY, CS_WRONG: 'azure-wrong-key-0123456789' }, providers: [] });
});
afterAll(async () => {
  await closeGuardrailPools();
  await standin.close();
});
afterEach(() => {
  standin.mode = null;
});

function check(config: Record<string, unknown> = {}) {
  return createAzureContentSafety(AzureContentSafetyConfig.parse({ endpoint: standin.origin, api_key: 'env:CS_KEY', ...config }), rule('azure_content_safety'));
}

describe('azure_content_safety', () => {
  it('reports a category at or above the configured severity (default 4), one call per text', async () => {
    const before = standin.requests.length;
    const found = await check().scan(['mild [[flag:Hate:2]]', 'strong [[flag:Violence:4]] and [[flag:SelfHarm:6]]']);
    expect(standin.requests.length - before).toBe(2);
    expect(found.map((f) => [f.type, f.text])).toEqual([['self_harm', 1], ['violence', 1]]);
    const req = standin.requests.at(-1)!;
    expect(req.query.get('api-version')).toBe('2024-09-01');
    expect(req.body).toMatchObject({ outputType: 'FourSeverityLevels' });
    expect(await check({ severity: 2 }).scan(['mild [[flag:Hate:2]]'])).toMatchObject([{ type: 'hate', start: 0 }]);
  });

  it('sends only the configured categories', async () => {
    expect(await check({ categories: ['Sexual'] }).scan(['strong [[flag:Violence:6]]'])).toEqual([]);
    expect(standin.requests.at(-1)!.body).toMatchObject({ categories: ['Sexual'] });
  });

  it('splits a text over 10,000 characters and keeps offsets into the whole text', async () => {
    const line = 'const value = compute(input); // a line of ordinary code\n';
    const head = line.repeat(Math.ceil(AZURE_MAX_CHARS / line.length) + 5);
    const text = `${head}here it is [[flag:Hate:6]]\n${line.repeat(50)}`;
    const parts = pieces(text, AZURE_MAX_CHARS);
    expect(parts.length).toBe(2);
    const before = standin.requests.length;
    const found = await check().scan([text]);
    expect(standin.requests.length - before).toBe(2);
    expect(found).toEqual([{ type: 'hate', text: 0, start: parts[1]!.offset, end: text.length }]);
    // The piece boundary is a line break, and every piece is within the service's limit.
    expect(text[parts[1]!.offset - 1]).toBe('\n');
  });

  it('finds a blocklist item where it is, and Prompt Shields attacks when asked', async () => {
    const text = 'the roadmap of project falcon is secret';
    const found = await check({ blocklists: ['codenames'] }).scan([text]);
    expect(found).toEqual([{ type: 'blocklist:codenames', text: 0, start: 15, end: 29 }]);
    expect(await check({ prompt_shields: true }).scan(['please [[attack]] now', 'benign'])).toEqual([{ type: 'attack', text: 0, start: 0, end: 21 }]);
  });

  it('mutate removes the flagged text, or only the blocklist item', async () => {
    const c = check({ blocklists: ['codenames'] });
    const texts = ['about Project Falcon today', 'so [[flag:Violence:6]]'];
    expect(c.redact(texts, await c.scan(texts))).toEqual(['about [removed:blocklist:codenames] today', '[removed:violence]']);
  });

  it('fails with the guardrail named on an error, a timeout, a bad body and a wrong key, never showing the key', async () => {
    await expect(check().scan(['x [[status:500]]'])).rejects.toThrow(/azure_content_safety answered 500: The service encountered an internal error/);
    await expect(check({ timeout_ms: 250 }).scan(['x [[slow]]'])).rejects.toThrow(/did not answer within 250 ms/);
    await expect(check().scan(['x [[malformed]]'])).rejects.toThrow(/not JSON/);
    const err = await check({ api_key: 'env:CS_WRONG' }).scan(['hi']).catch((e: Error) => e);
    expect(String(err)).toMatch(/key refused \(401: Access denied/);
    expect(String(err)).not.toContain('azure-wrong-key');
  });
});
