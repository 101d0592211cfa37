import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registerGuardrailType } from '../local-gateway/policy/engine/guardrails.js';
import type { Trace } from '../local-gateway/store/schema.js';
import { anthropicClient, bothProviders } from './helpers/anthropic.js';
import { startGateway, UPSTREAM_KEY, waitFor, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

// A guardrail whose detector is down, to see strict mode end a stream.
registerGuardrailType('test_unavailable', {
  config: z.strictObject({}),
  create: () => ({
    scan() {
      throw new Error('detector unavailable');
    },
    redact: (texts) => [...texts],
  }),
});

// The stand-ins stream the echo word by word: the pattern spans two events.
const SECRET = 'secret-4242 9999';
const PROMPT = `here ${SECRET} ok`;
const ECHO = `echo: ${PROMPT}`;
const REDACTED = 'echo: here [redacted:secret] ok';
const RULE = `type: deny_regex, hook: llm_output, config: { patterns: ["secret-[0-9]+ [0-9]+"], label: secret }`;

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  redact:
    guardrails:
      - { id: split-secret, action: mutate, mode: enforce, ${RULE} }
      - { id: city, type: deny_regex, hook: llm_output, action: mutate, mode: enforce, config: { patterns: ["Paris"], label: city } }
  block:
    guardrails:
      - { id: split-secret, action: validate, mode: enforce, ${RULE} }
  audit:
    guardrails:
      - { id: split-secret, action: validate, mode: audit, ${RULE} }
  strict:
    guardrails:
      - { id: detector, type: test_unavailable, hook: llm_output, action: validate, mode: strict }
`;

let claude: AnthropicStandin;
let openai: OpenAIStandin;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  claude = await startAnthropicStandin({ apiKey: UPSTREAM_KEY });
  openai = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await claude.close();
  await openai.close();
});

const policyFile = () => writePolicy(POLICY);

async function gateway(active: string, shadow: string[] = []): Promise<TestGateway> {
  const gw = await startGateway({ ...bothProviders(claude.url, openai.url), policy: policyFile(), tiers: { active, shadow } });
  gateways.push(gw);
  return gw;
}

const traceOf = (gw: TestGateway, id: string | null) => waitFor(() => gw.api<Trace>(`/api/traces/${id}`).catch(() => null), `trace ${id}`);

/** Chat through the openai SDK: the text the client read, the error it raised, the trace id. */
async function chat(gw: TestGateway, model = 'up/gpt-4o-mini') {
  const { data, response } = await gw.client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }], stream: true }).withResponse();
  let text = '';
  let error: Error | null = null;
  try {
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
  } catch (err) {
    error = err as Error;
  }
  return { text, error, headers: response.headers, trace: response.headers.get('x-gatehouse-trace-id') };
}

/** Messages through the Anthropic SDK. */
async function messages(gw: TestGateway, model: string) {
  const client: Anthropic = anthropicClient(gw);
  const { data, response } = await client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: PROMPT }], stream: true }).withResponse();
  let text = '';
  let error: Error | null = null;
  try {
    for await (const ev of data) if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
  } catch (err) {
    error = err as Error;
  }
  return { text, error, trace: response.headers.get('x-gatehouse-trace-id') };
}

/** Responses through the openai SDK: every event as the client got it. */
async function responses(gw: TestGateway) {
  const { data, response } = await gw.client.responses.create({ model: 'up/gpt-4o-mini', input: PROMPT, stream: true }).withResponse();
  const events: Record<string, unknown>[] = [];
  for await (const e of data) events.push(e as unknown as Record<string, unknown>);
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta as string).join('');
  return { events, text, trace: response.headers.get('x-gatehouse-trace-id') };
}

describe('mutate (enforce) on streamed answers', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('redact')));

  it('chat: the secret split over two chunks never reaches the client, nor the trace', async () => {
    const r = await chat(gw);
    expect(r.error).toBeNull();
    expect(r.text).toBe(REDACTED);
    const trace = await traceOf(gw, r.trace);
    expect(trace.status).toBe(200);
    expect(JSON.stringify(trace.response_body)).not.toContain('4242');
    expect(trace.verdicts).toContainEqual(expect.objectContaining({ tier: 'redact', rule: 'split-secret', decision: 'mutate', enforced: true }));
  });

  it('a cut stream: the held text, scanned, goes out before the error event', async () => {
    const r = await chat(gw, 'up/cut-stream');
    expect(r.error?.message).toContain('Provider "up"');
    expect(r.text).toBe('echo: here');
    expect((await traceOf(gw, r.trace)).error_code).toMatch(/^GH_ERR_UPSTREAM_/);
  });

  it('Messages, relayed from an Anthropic provider and translated from a chat one', async () => {
    for (const model of ['claude/claude-sonnet-4-5', 'up/gpt-4o-mini']) {
      const r = await messages(gw, model);
      expect(r.error).toBeNull();
      expect(r.text).toBe(REDACTED);
    }
  });

  it('Responses: deltas, the done events and response.completed carry the redacted text', async () => {
    const r = await responses(gw);
    expect(r.text).toBe(REDACTED);
    expect(r.events.find((e) => e.type === 'response.output_text.done')).toMatchObject({ text: REDACTED });
    expect(r.events.find((e) => e.type === 'response.content_part.done')).toMatchObject({ part: { text: REDACTED } });
    const item = r.events.find((e) => e.type === 'response.output_item.done' && (e.item as { type: string }).type === 'message');
    expect(item).toMatchObject({ item: { content: [{ text: REDACTED }] } });
    const completed = r.events.at(-1) as { type: string; response: { output_text?: string; output: { type: string; content?: { text: string }[] }[] } };
    expect(completed.type).toBe('response.completed');
    expect(completed.response.output.find((o) => o.type === 'message')!.content![0]!.text).toBe(REDACTED);
    expect(JSON.stringify(r.events)).not.toContain('4242');
    expect(r.events.map((e) => e.sequence_number)).toEqual(r.events.map((_, i) => i));
  });
});

describe('mutate on tool-call arguments', () => {
  const ARGS = '{"city":"[redacted:city]"}';
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('redact')));

  it('chat: tool_calls arguments are redacted and stay JSON', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'up/tool-call', messages: [{ role: 'user', content: 'weather?' }], stream: true });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      args += call?.function?.arguments ?? '';
      name += call?.function?.name ?? '';
    }
    expect(args).toBe(ARGS);
    expect(name).toBe('get_weather');
  });

  it('Messages: input_json_delta is redacted, and the SDK parses the tool input', async () => {
    const message = await anthropicClient(gw).messages.stream({ model: 'claude/tool-use', max_tokens: 64, messages: [{ role: 'user', content: 'weather?' }] }).finalMessage();
    expect(message.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: '[redacted:city]' } });
  });

  it('Responses: argument deltas, function_call_arguments.done, output_item.done and response.completed', async () => {
    const { data } = await gw.client.responses.create({ model: 'up/tool-call', input: 'weather?', stream: true }).withResponse();
    const events: Record<string, unknown>[] = [];
    for await (const e of data) events.push(e as unknown as Record<string, unknown>);
    expect(events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('')).toBe(ARGS);
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ arguments: ARGS });
    expect(events.find((e) => e.type === 'response.output_item.done')).toMatchObject({ item: { type: 'function_call', arguments: ARGS } });
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { output: [{ type: 'function_call', arguments: ARGS }] } });
    expect(JSON.stringify(events)).not.toContain('Paris');
  });
});

describe('validate (enforce) on streamed answers', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await gateway('block')));

  it("chat: the stream ends with an error the SDK raises, the upstream call is stopped, and the trace says why", async () => {
    const r = await chat(gw, 'up/slow-stream');
    expect(r.error?.message).toContain('split-secret');
    expect(r.text).not.toContain('4242');
    expect('echo: here').toContain(r.text);
    await waitFor(() => openai.requests.at(-1)?.aborted, 'the upstream call to be aborted');
    const trace = await traceOf(gw, r.trace);
    expect(trace).toMatchObject({ status: 403, error_code: 'GH_ERR_GUARDRAIL_BLOCKED' });
    expect(trace.verdicts).toContainEqual(expect.objectContaining({ tier: 'block', rule: 'split-secret', decision: 'block', mode: 'enforce', enforced: true }));
  });

  it('Messages: the Anthropic SDK raises the error event', async () => {
    for (const model of ['claude/claude-sonnet-4-5', 'up/gpt-4o-mini']) {
      const r = await messages(gw, model);
      expect(r.error?.message).toContain('split-secret');
      expect(r.text).not.toContain('4242');
      expect((await traceOf(gw, r.trace)).error_code).toBe('GH_ERR_GUARDRAIL_BLOCKED');
    }
  });

  it('Responses: error then response.failed, numbered on', async () => {
    const r = await responses(gw);
    expect(r.events.map((e) => e.type).slice(-2)).toEqual(['error', 'response.failed']);
    expect(r.events.at(-2)).toMatchObject({ code: 'GH_ERR_GUARDRAIL_BLOCKED', message: expect.stringContaining('split-secret') });
    expect(JSON.stringify(r.events)).not.toContain('4242');
    expect(r.events.map((e) => e.sequence_number)).toEqual(r.events.map((_, i) => i));
  });
});

describe('audit, strict and shadow tiers on streamed answers', () => {
  it('audit lets the answer through unchanged and records what would have happened', async () => {
    const gw = await gateway('audit');
    const r = await chat(gw);
    expect(r.error).toBeNull();
    expect(r.text).toBe(ECHO);
    const trace = await traceOf(gw, r.trace);
    expect(trace.status).toBe(200);
    expect(trace.verdicts).toContainEqual(expect.objectContaining({ tier: 'audit', rule: 'split-secret', decision: 'block', mode: 'audit' }));
  });

  it('a strict guardrail that cannot run ends the stream', async () => {
    const gw = await gateway('strict');
    const r = await chat(gw);
    expect(r.error?.message).toContain('detector');
    const trace = await traceOf(gw, r.trace);
    expect(trace).toMatchObject({ status: 403, error_code: 'GH_ERR_GUARDRAIL_BLOCKED' });
    expect(trace.verdicts).toContainEqual(expect.objectContaining({ tier: 'strict', rule: 'detector', decision: 'block', mode: 'strict' }));
  });

  it('a shadow tier only records: the answer and the shadow header are what the active tier alone gives', async () => {
    const alone = await chat(await gateway('redact'));
    const gw = await gateway('redact', ['block']);
    const r = await chat(gw);
    expect(r.error).toBeNull();
    expect(r.text).toBe(REDACTED);
    expect(r.headers.get('x-gatehouse-shadow')).toBe(alone.headers.get('x-gatehouse-shadow'));
    const trace = await traceOf(gw, r.trace);
    expect(trace.status).toBe(200);
    expect(trace.verdicts).toContainEqual(expect.objectContaining({ tier: 'block', rule: 'split-secret', decision: 'block', enforced: false }));
  });
});
