import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../local-gateway/policy/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';
import { startModerationStandin, type ModerationStandin } from './standins/openai-moderation.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

/**
 * Remote guardrails end to end: a real gateway, the openai and Anthropic SDKs as clients, the
 * moderation stand-in as the remote service. Each test sends its own texts, because results
 * are remembered per text for the life of the process.
 */
const MOD_KEY = 'sk-moderation-e2e-key-0123456789abcdef';
const rule = (id: string, mode: string, extra = '') =>
  `{ id: ${id}, type: openai_moderation, hook: llm_input, action: ${extra.includes('mutate') ? 'mutate' : 'validate'}, mode: ${mode}, config: { base_url: "BASE", api_key: "env:MOD_KEY", timeout_ms: 400 } }`;

let moderation: ModerationStandin;
let upstream: OpenAIStandin;
let policyFile: string;

beforeAll(async () => {
  moderation = await startModerationStandin({ apiKey: MOD_KEY });
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  const tiers = `
apiVersion: gatehouse/v1
org: acme
tiers:
  enforce: { guardrails: [${rule('moderation', 'enforce')}] }
  strict: { guardrails: [${rule('moderation', 'strict')}] }
  audit: { guardrails: [${rule('moderation', 'audit')}] }
  mutate: { guardrails: [${rule('scrub', 'enforce', 'mutate')}] }
  borrowed: { guardrails: [{ id: moderation, type: openai_moderation, hook: llm_input, action: validate, mode: enforce, config: { provider: mod } }] }
`;
  policyFile = writePolicy(tiers.replaceAll('BASE', moderation.url));
});
afterAll(async () => {
  await moderation.close();
  await upstream.close();
});

async function gateway(active: string): Promise<TestGateway> {
  const config = upstreamConfig(upstream.url);
  const mod = { id: 'mod', kind: 'openai', base_url: moderation.url, api_key: 'env:MOD_KEY' };
  return startGateway({ ...config, providers: [...config.providers, mod], policy: policyFile, tiers: { active, shadow: [] } }, { MOD_KEY });
}

type Trace = { verdicts: Verdict[] };
async function traceOf(gw: TestGateway, id: string | null): Promise<{ trace: Trace; raw: string }> {
  const res = await fetch(`${gw.url}/api/traces/${id}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const raw = await res.text();
  return { trace: JSON.parse(raw) as Trace, raw };
}

describe('enforce', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('enforce')));
  afterAll(() => gw.close());

  it('blocks a flagged prompt with 403 in the caller\'s shape, and sends it neither upstream', async () => {
    const before = upstream.requests.length;
    const err = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'you are [[flag:harassment]] e2e-1' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const e = err as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(e.status).toBe(403);
    expect(e.code).toBe('GH_ERR_GUARDRAIL_BLOCKED');
    expect(e.message).toContain('guardrail "moderation" found harassment');
    expect(upstream.requests.length).toBe(before);
    const { trace, raw } = await traceOf(gw, e.headers?.get('x-gatehouse-trace-id') ?? null);
    expect(trace.verdicts).toMatchObject([{ rule: 'moderation', decision: 'block', mode: 'enforce', findings: [{ type: 'harassment', start: 0 }] }]);
    expect(raw).not.toContain(MOD_KEY);
  });

  it('an Anthropic client gets the refusal in its own error shape', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const err = await anthropic.messages.create({ model: 'up/gpt-4o-mini', max_tokens: 32, messages: [{ role: 'user', content: 'go [[flag:hate]] e2e-2' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((err as { error: unknown }).error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
  });

  it('lets the request through when the service fails or times out, recording why', async () => {
    for (const [text, why] of [['hello [[status:500]] e2e-3', 'answered 500'], ['hello [[slow]] e2e-4', 'did not answer within 400 ms'], ['hello [[malformed]] e2e-5', 'not JSON']] as const) {
      const r = await chat(gw, text);
      expect(r.status).toBe(200);
      expect(r.json.choices![0]!.message.content).toBe(`echo: ${text}`);
      const { trace, raw } = await traceOf(gw, r.headers.get('x-gatehouse-trace-id'));
      expect(trace.verdicts).toMatchObject([{ rule: 'moderation', decision: 'allow', mode: 'enforce', findings: [{ type: 'error' }] }]);
      expect(trace.verdicts[0]!.findings[0]!.detail).toContain(why);
      expect(trace.verdicts[0]!.reason).toContain('enforce mode lets the request through');
      expect(raw).not.toContain(MOD_KEY);
    }
  });

  it('a clean prompt passes and is not sent to the service again when the conversation is resent', async () => {
    const long = `Here is my code:\n${'const x = compute(y); // e2e-6\n'.repeat(40)}`;
    const first = await chat(gw, long);
    expect(first.status).toBe(200);
    const calls = moderation.requests.length;
    expect((await chat(gw, long)).status).toBe(200);
    expect(moderation.requests.length).toBe(calls);
  });

  it('an agent resending its conversation on /v1/messages sends the service only the new turn', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0 });
    // Shaped as Claude Code sends it: system blocks with cache_control, text blocks, a long file.
    const system = [
      { type: 'text' as const, text: 'You are Claude Code, an agent for software engineering. e2e-13' },
      { type: 'text' as const, text: `Tool rules and environment.\n${'- keep edits small and tested\n'.repeat(40)}`, cache_control: { type: 'ephemeral' as const } },
    ];
    const turns: Anthropic.MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'Here is src/app.ts:' }, { type: 'text', text: 'export const app = build();\n'.repeat(60) }] },
      { role: 'assistant', content: 'I read it. What should change?' },
      { role: 'user', content: 'Rename build to createApp. e2e-13' },
    ];
    const before = moderation.requests.length;
    await anthropic.messages.create({ model: 'up/gpt-4o-mini', max_tokens: 64, system, messages: turns });
    expect(moderation.requests.length - before).toBe(1);
    const firstInputs = (moderation.requests.at(-1)!.body as { input: string[] }).input;
    expect(firstInputs.length).toBe(6);
    turns.push({ role: 'assistant', content: 'Done: build is now createApp.' }, { role: 'user', content: 'Now add a test for it. e2e-13' });
    await anthropic.messages.create({ model: 'up/gpt-4o-mini', max_tokens: 64, system, messages: turns });
    expect(moderation.requests.length - before).toBe(2);
    expect((moderation.requests.at(-1)!.body as { input: string[] }).input).toEqual(['Done: build is now createApp.', 'Now add a test for it. e2e-13']);
  });

  it('borrows the key of a provider of gatehouse.yaml, which never lands in the trace', async () => {
    const borrowed = await gateway('borrowed');
    try {
      const r = await chat(borrowed, 'you [[flag:violence]] e2e-7');
      expect(r.status).toBe(403);
      expect(moderation.requests.at(-1)!.headers.authorization).toBe(`Bearer ${MOD_KEY}`);
      expect((await traceOf(borrowed, r.headers.get('x-gatehouse-trace-id'))).raw).not.toContain(MOD_KEY);
    } finally {
      await borrowed.close();
    }
  });
});

describe('strict', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('strict')));
  afterAll(() => gw.close());

  it('blocks when the service fails or times out, saying the guardrail could not run', async () => {
    for (const text of ['hello [[status:500]] e2e-8', 'hello [[slow]] e2e-9']) {
      const before = upstream.requests.length;
      const r = await chat(gw, text);
      expect(r.status).toBe(403);
      expect(r.json.error).toMatchObject({ code: 'GH_ERR_GUARDRAIL_BLOCKED', type: 'permission_error' });
      expect(r.json.error!.message).toMatch(/guardrail "moderation" could not run \(.*\) and is strict, so the request is refused/);
      expect(r.json.error!.message).not.toContain(MOD_KEY);
      expect(upstream.requests.length).toBe(before);
    }
  });

  it('passes a clean prompt', async () => {
    expect((await chat(gw, 'a calm question e2e-10')).status).toBe(200);
  });
});

describe('audit and mutate', () => {
  it('audit records a flagged prompt and lets it through', async () => {
    const gw = await gateway('audit');
    try {
      const r = await chat(gw, 'you [[flag:harassment]] e2e-11');
      expect(r.status).toBe(200);
      const { trace } = await traceOf(gw, r.headers.get('x-gatehouse-trace-id'));
      expect(trace.verdicts).toMatchObject([{ rule: 'moderation', decision: 'block', mode: 'audit' }]);
    } finally {
      await gw.close();
    }
  });

  it('mutate sends [removed:<category>] upstream in place of the flagged text', async () => {
    const gw = await gateway('mutate');
    try {
      const r = await chat(gw, 'you [[flag:harassment/threatening]] e2e-12');
      expect(r.status).toBe(200);
      expect(JSON.stringify(upstream.requests.at(-1)!.body)).toContain('"content":"[removed:harassment/threatening]"');
    } finally {
      await gw.close();
    }
  });
});
