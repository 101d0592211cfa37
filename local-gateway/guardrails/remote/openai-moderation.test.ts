import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/gateway.js';
import { rule } from '../../../test/helpers/guardrail-rule.js';
import { startModerationStandin, type ModerationStandin } from '../../../test/standins/openai-moderation.js';
import { createOpenAIModeration, OpenAIModerationConfig } from './openai-moderation.js';
import { closeGuardrailPools, setGuardrailRuntime } from './runtime.js';

const KEY = 'sk-moderation-test-key-0123456789';
let standin: ModerationStandin;

beforeAll(async () => {
  standin = await startModerationStandin({ apiKey: KEY });
  setGuardrailRuntime({ env: { MOD_KEY: KEY, WRONG_KEY: 'sk-wrong-key-abcdefghijklmnop' }, providers: [] });
});
afterAll(async () => {
  await closeGuardrailPools();
  await standin.close();
});
afterEach(() => {
  standin.mode = null;
});

function check(config: Record<string, unknown> = {}) {
  return createOpenAIModeration(OpenAIModerationConfig.parse({ base_url: standin.url, api_key: 'env:MOD_KEY', ...config }), rule('openai_moderation'));
}
const calls = () => standin.requests.length;

describe('openai_moderation', () => {
  it('sends every text in one call and reports each flagged text whole, with its category', async () => {
    const before = calls();
    const texts = ['hello there', 'you are [[flag:harassment]] worthless', 'a plain question about Rust'];
    const found = await check().scan(texts);
    expect(calls() - before).toBe(1);
    expect(standin.requests.at(-1)!.body).toEqual({ model: 'omni-moderation-latest', input: texts });
    expect(found).toEqual([{ type: 'harassment', text: 1, start: 0, end: texts[1]!.length }]);
  });

  it('remembers what it saw: a resent conversation sends only the new text, and two tiers at once share a call', async () => {
    const c = check({ model: 'omni-moderation-2024-09-26' });
    const turn1 = ['system prompt', 'first question'];
    await Promise.all([c.scan(turn1), c.scan(turn1)]);
    const before = calls();
    const found = await c.scan([...turn1, 'I want to [[flag:self-harm/intent]]']);
    expect(calls() - before).toBe(1);
    expect((standin.requests.at(-1)!.body as { input: string[] }).input).toEqual(['I want to [[flag:self-harm/intent]]']);
    expect(found).toMatchObject([{ type: 'self-harm/intent', text: 2 }]);
    await c.scan(turn1);
    expect(calls() - before).toBe(1);
  });

  it('acts only on the listed categories, or on a score threshold', async () => {
    const text = 'something [[flag:violence]] here';
    expect(await check({ categories: ['harassment'] }).scan([text])).toEqual([]);
    expect(await check({ categories: ['violence', 'hate'] }).scan([text])).toMatchObject([{ type: 'violence' }]);
    expect(await check({ threshold: 0.99 }).scan([text])).toEqual([]);
    expect(await check({ threshold: 0.0001 }).scan(['calm text'])).toMatchObject([{ text: 0, start: 0, end: 9 }]);
  });

  it('mutate replaces a flagged text with [removed:<category>]', async () => {
    const c = check();
    const texts = ['fine', 'go [[flag:hate]] away'];
    expect(c.redact(texts, await c.scan(texts))).toEqual(['fine', '[removed:hate]']);
  });

  it('an error answer, a timeout and a body that is not JSON throw, and are not remembered', async () => {
    const c = check({ timeout_ms: 300 });
    await expect(c.scan(['boom [[status:500]]'])).rejects.toThrow(/openai_moderation answered 500: The server had an error/);
    await expect(c.scan(['boom [[status:500]]'])).rejects.toThrow(/answered 500/);
    await expect(c.scan(['wait [[slow]]'])).rejects.toThrow(/did not answer within 300 ms \(timeout_ms\)/);
    // The timed-out call was aborted: its connection is closed, not left to hang.
    await waitFor(() => standin.abandoned > 0, 'the stand-in to see the slow call abandoned');
    await expect(c.scan(['bad [[malformed]]'])).rejects.toThrow(/not JSON/);
    standin.mode = { kind: 'status', status: 503 };
    await expect(c.scan(['calm'])).rejects.toThrow(/answered 503/);
    standin.mode = null;
    expect(await c.scan(['calm'])).toEqual([]);
  });

  it('a refused or missing key is an error that names the reference, never the key', async () => {
    const err = await check({ api_key: 'env:WRONG_KEY' }).scan(['hi']).catch((e: Error) => e);
    expect(String(err)).toMatch(/had its key refused \(401/);
    expect(String(err)).not.toContain('sk-wrong-key-abcdefghijklmnop');
    await expect(check({ api_key: 'env:NOT_SET' }).scan(['hi'])).rejects.toThrow(/environment variable NOT_SET, which is not set/);
  });

  it('borrows base_url and key from a provider of gatehouse.yaml', async () => {
    setGuardrailRuntime({ env: { MOD_KEY: KEY }, providers: [{ id: 'openai', kind: 'openai', base_url: standin.url, api_key: 'env:MOD_KEY', models: [], headers: {} }] });
    try {
      const c = createOpenAIModeration(OpenAIModerationConfig.parse({ provider: 'openai' }), rule('openai_moderation'));
      expect(await c.scan(['x [[flag:illicit]]'])).toMatchObject([{ type: 'illicit' }]);
      const missing = createOpenAIModeration(OpenAIModerationConfig.parse({ provider: 'nope' }), rule('openai_moderation'));
      await expect(missing.scan(['hi'])).rejects.toThrow(/provider "nope", which gatehouse.yaml does not define/);
    } finally {
      setGuardrailRuntime({ env: { MOD_KEY: KEY, WRONG_KEY: 'sk-wrong-key-abcdefghijklmnop' }, providers: [] });
    }
  });

  it('a config without credentials is refused with what to write', () => {
    const r = OpenAIModerationConfig.safeParse({});
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/provider: openai.*api_key: env:OPENAI_API_KEY/);
    expect(OpenAIModerationConfig.safeParse({ api_key: 'sk-literal' }).success).toBe(false);
  });
});
