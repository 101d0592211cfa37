import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { anthropicClient, bothProviders, traceOf } from './helpers/anthropic.js';
import { startGateway, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';

/**
 * The pii guardrail through a real gateway, with the official SDKs as clients and
 * stand-ins that echo the prompt: what the upstream received shows what the model saw; the
 * echo shows what the developer gets back. The `pii` metadata key picks the rule.
 */
const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    guardrails:
      - { id: pii-mask, type: pii, hook: llm_input, action: mutate, mode: enforce, when: { metadata: { pii: mask } } }
      - { id: pii-keep, type: pii, hook: llm_input, action: mutate, mode: enforce, when: { metadata: { pii: keep } }, config: { restore: false } }
      - { id: pii-audit, type: pii, hook: llm_input, action: mutate, mode: audit, when: { metadata: { pii: audit } } }
      - { id: pii-block, type: pii, hook: llm_input, action: validate, mode: enforce, when: { metadata: { pii: block } } }
      - { id: pii-out, type: pii, hook: llm_output, action: mutate, mode: enforce, when: { metadata: { pii: out } } }
  prod:
    guardrails:
      - { id: pii-prod, type: pii, hook: llm_input, action: mutate, mode: enforce, when: { metadata: { pii: shadow } } }
`;

const PROMPT = 'Email jane@acme.io or call +44 20 7946 0958 about the refund.';
const MASKED = 'Email <EMAIL_1> or call <PHONE_1> about the refund.';

let openaiUp: OpenAIStandin;
let claudeUp: AnthropicStandin;
let gw: TestGateway;
let claude: Anthropic;

beforeAll(async () => {
  openaiUp = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  claudeUp = await startAnthropicStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway({ ...bothProviders(claudeUp.url, openaiUp.url), policy: writePolicy(POLICY), tiers: { active: 'dev', shadow: ['prod'] } });
  claude = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  await openaiUp.close();
  await claudeUp.close();
});

const meta = (pii: string) => ({ headers: { 'x-gatehouse-metadata': JSON.stringify({ pii }) } });
const openaiSaw = () => openaiUp.requests.at(-1)!.text;
const claudeSaw = () => claudeUp.requests.at(-1)!.text;

function expectNoValues(text: string): void {
  expect(text).not.toContain('jane@acme.io');
  expect(text).not.toContain('7946');
}

describe('pii mutate (enforce): the model sees placeholders, the developer the values', () => {
  it('chat completions with the openai SDK', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }, meta('mask'))
      .withResponse();
    const sent = JSON.parse(openaiSaw()) as { messages: { content: string }[] };
    expect(sent.messages[0]!.content).toBe(MASKED);
    expect(data.choices[0]!.message.content).toBe(`echo: ${PROMPT}`);

    // The trace keeps what the model saw and said: placeholders, never the values.
    const trace = await traceOf(gw, response.headers.get('x-gatehouse-trace-id'));
    expect(JSON.stringify(trace.request_body)).toContain(MASKED);
    expect(JSON.stringify(trace.response_body)).toContain(`echo: ${MASKED}`);
    expectNoValues(JSON.stringify(trace));
    expect(trace.verdicts).toContainEqual(expect.objectContaining({ rule: 'pii-mask', decision: 'mutate', mode: 'enforce' }));
  });

  it('Messages with the Anthropic SDK', async () => {
    const msg = await claude.messages.create(
      { model: 'claude/claude-sonnet-4-5', max_tokens: 100, system: 'Reply to jane@acme.io politely.', messages: [{ role: 'user', content: PROMPT }] },
      meta('mask'),
    );
    const sent = JSON.parse(claudeSaw()) as { system: string; messages: { content: string }[] };
    // The same value has the same placeholder in every text of the request.
    expect(sent.system).toBe('Reply to <EMAIL_1> politely.');
    expect(sent.messages[0]!.content).toBe(MASKED);
    expect(msg.content[0]).toMatchObject({ type: 'text', text: `echo: ${PROMPT}` });
  });

  it('Responses with the openai SDK', async () => {
    const r = await gw.client.responses.create({ model: 'up/gpt-4o-mini', input: PROMPT }, meta('mask'));
    expect(JSON.parse(openaiSaw())).toMatchObject({ input: MASKED });
    expect(r.output_text).toBe(`echo: ${PROMPT}`);
  });

  it('a streamed chat answer gets the values back, placeholders split over chunks included', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: PROMPT }] }, meta('mask'));
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? '');
    expect(JSON.parse(openaiSaw())).toMatchObject({ messages: [{ content: MASKED }] });
    expect(pieces.join('')).toBe(`echo: ${PROMPT}`);
    // No piece carries half a placeholder.
    expect(pieces.some((p) => /<[A-Z_]*$|^[A-Z_]*\d*>/.test(p))).toBe(false);
  });

  it('a streamed Messages answer gets the values back', async () => {
    const stream = claude.messages.stream({ model: 'claude/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: PROMPT }] }, meta('mask'));
    const msg = await stream.finalMessage();
    expectNoValues(claudeSaw());
    expect(msg.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining(PROMPT) });
  });

  it('with restore: false the answer keeps the placeholders', async () => {
    const r = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }, meta('keep'));
    expect(r.choices[0]!.message.content).toBe(`echo: ${MASKED}`);
  });
});

describe('pii in other modes', () => {
  it('audit changes nothing and records what it would redact', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }, meta('audit'))
      .withResponse();
    expect((JSON.parse(openaiSaw()) as { messages: { content: string }[] }).messages[0]!.content).toBe(PROMPT);
    expect(data.choices[0]!.message.content).toBe(`echo: ${PROMPT}`);
    const trace: Trace = await traceOf(gw, response.headers.get('x-gatehouse-trace-id'));
    const v = trace.verdicts.find((x) => x.rule === 'pii-audit');
    expect(v).toMatchObject({ decision: 'mutate', mode: 'audit', reason: expect.stringContaining('would redact 2 finding(s) (email, phone)') });
    expect(v!.findings.map((f) => f.type)).toEqual(['email', 'phone']);
  });

  it('a shadow tier that would redact changes nothing and says so in a header', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }, meta('shadow'))
      .withResponse();
    expect((JSON.parse(openaiSaw()) as { messages: { content: string }[] }).messages[0]!.content).toBe(PROMPT);
    expect(data.choices[0]!.message.content).toBe(`echo: ${PROMPT}`);
    expect(response.headers.get('x-gatehouse-shadow')).toBe('prod; would=mutate; rules=pii-prod');
  });

  it('an output mutator redacts values in the answer, and they are not restored', async () => {
    const r = await gw.client.chat.completions.create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: 'say bob@acme.io' }] }, meta('out'));
    expect(JSON.parse(openaiSaw())).toMatchObject({ messages: [{ content: 'say bob@acme.io' }] });
    expect(r.choices[0]!.message.content).toBe('echo: say <EMAIL_1>');
  });

  it('validate + enforce refuses with 403 in the OpenAI shape and never calls the upstream', async () => {
    const before = openaiUp.requests.length;
    const err = await gw.client.chat.completions
      .create({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }, meta('block'))
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ status: 403, error: { code: 'GH_ERR_GUARDRAIL_BLOCKED', type: 'permission_error' } });
    const message = (err as { error: { message: string } }).error.message;
    expect(message).toContain('"pii-block" found email, phone in the input');
    expectNoValues(message);
    expect(openaiUp.requests.length).toBe(before);
  });

  it('validate + enforce refuses with 403 in the Anthropic shape', async () => {
    const before = claudeUp.requests.length;
    const err = await claude.messages
      .create({ model: 'claude/claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: PROMPT }] }, meta('block'))
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(err).toMatchObject({ status: 403, error: { type: 'error', error: { type: 'permission_error' } } });
    expect(claudeUp.requests.length).toBe(before);
  });
});
