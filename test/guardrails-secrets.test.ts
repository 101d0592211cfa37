import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';

/**
 * The secrets guardrail through a real gateway: a developer pastes a `.env` holding an AWS
 * key into a chat. The dev tier redacts it before the provider sees it; the prod tier refuses
 * the request with 403 in the caller's API shape. Secrets are built at run time from parts.
 */
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const pick = (n: number, alphabet: string) => Array.from({ length: n }, (_, i) => alphabet[(i * 7 + 3 + ((i * i) % 11)) % alphabet.length]).join('');
const AKID = 'AK' + 'IA' + pick(16, B32);
const AWS_SECRET = pick(40, B64);
const ENV = `NODE_ENV=production\nAWS_ACCESS_KEY_ID=${AKID}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\nAWS_REGION=eu-west-1\n`;
const PROMPT = `why does the deploy fail with this .env?\n\n${ENV}`;

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    guardrails:
      - { id: secrets-redact, type: secrets, hook: llm_input, action: mutate, mode: enforce }
  prod:
    guardrails:
      - { id: secrets-block, type: secrets, hook: llm_input, action: validate, mode: enforce }
`;

let upstream: OpenAIStandin;
let policyFile: string;
beforeAll(async () => {
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  policyFile = writePolicy(POLICY);
});
afterAll(() => upstream.close());

const gateway = (active: string) => startGateway({ ...upstreamConfig(upstream.url, { models: ['gpt-4o-mini'] }), policy: policyFile, tiers: { active, shadow: [] } });
const upstreamSaw = () => JSON.stringify(upstream.requests.at(-1)?.body);

describe('secrets guardrail, mutate in enforce (dev)', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('dev')));
  afterAll(() => gw.close());

  it('redacts the pasted AWS key before the upstream sees it, and never restores it', async () => {
    const { data, response } = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }).withResponse();
    expect(response.status).toBe(200);
    const sent = upstreamSaw();
    expect(sent).not.toContain(AKID);
    expect(sent).not.toContain(AWS_SECRET);
    expect(sent).toContain('AWS_ACCESS_KEY_ID=[redacted:aws_access_key_id]');
    expect(sent).toContain('AWS_SECRET_ACCESS_KEY=[redacted:aws_secret_access_key]');
    expect(sent).toContain('AWS_REGION=eu-west-1');
    // The stand-in echoes what it got: the answer carries the redaction, not the key.
    expect(data.choices[0]!.message.content).toContain('[redacted:aws_access_key_id]');
    expect(data.choices[0]!.message.content).not.toContain(AKID);
    const trace = await gw.api<unknown>(`/api/traces/${response.headers.get('x-gatehouse-trace-id')}`);
    expect(JSON.stringify(trace)).not.toContain(AKID);
    expect(JSON.stringify(trace)).toContain('secrets-redact');
  });

  it('leaves a prompt without secrets untouched', async () => {
    const content = 'explain this lockfile line: "integrity": "sha512-' + pick(86, B64) + '=="';
    const r = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content }] });
    expect(r.choices[0]!.message.content).toBe(`echo: ${content}`);
  });
});

describe('secrets guardrail, validate in enforce (prod)', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('prod')));
  afterAll(() => gw.close());

  it('refuses the request with 403 in the OpenAI shape, naming the rule and not the secret', async () => {
    const before = upstream.requests.length;
    const err = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const e = err as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(e.status).toBe(403);
    expect(e.error).toMatchObject({ code: 'GH_ERR_GUARDRAIL_BLOCKED' });
    expect(e.message).toContain('secrets-block');
    expect(e.message).toContain('aws_access_key_id');
    expect(e.message).not.toContain(AKID);
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses it in the Anthropic shape on /v1/messages', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const err = await anthropic.messages.create({ model: 'up/gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: PROMPT }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((err as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
  });

  it('lets a docs placeholder through', async () => {
    const r = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'set OPENAI_API_KEY=sk-your-key-here and AWS_ACCESS_KEY_ID=<key id>' }] });
    expect(r.choices[0]!.message.content).toContain('sk-your-key-here');
  });
});
