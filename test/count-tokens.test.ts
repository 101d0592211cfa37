/**
 * `POST /v1/messages/count_tokens` with the tier's virtual models, and outside the rate
 * limits and budgets: counting is not a model call.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicClient, bothProviders, traceOf } from './helpers/anthropic.js';
import { startGateway, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    virtual_models:
      engineering-assistant:
        targets: [{ model: claude/claude-sonnet-4-5 }]
      openai-assistant:
        targets: [{ model: up/gpt-4o-mini }]
    rate_limits:
      - { id: one-call, scope: [user], limit: { requests: 1, per: 1h }, mode: enforce }
    budgets:
      - { id: tiny, scope: [user], limit: { usd: 0.000001, per: month }, mode: enforce }
  prod:
    extends: dev
    rate_limits:
      - { id: few-tokens, scope: [user], limit: { tokens: 50, per: 1h }, mode: enforce }
`;

let claude: AnthropicStandin;
let openai: OpenAIStandin;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  claude = await startAnthropicStandin({ apiKey: UPSTREAM_KEY });
  openai = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway({ ...bothProviders(claude.url, openai.url), policy: writePolicy(POLICY), tiers: { active: 'dev', shadow: ['prod'] } });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  await claude.close();
  await openai.close();
});

const long = [{ role: 'user' as const, content: 'x'.repeat(400) }];

describe('count_tokens', () => {
  it('resolves a virtual model as a Messages request would: counted by its Anthropic target, estimated for another', async () => {
    const { data, response } = await client.messages.countTokens({ model: 'engineering-assistant', messages: long }).withResponse();
    expect(claude.requests.at(-1)!.path).toBe('/v1/messages/count_tokens');
    expect(claude.requests.at(-1)!.body).toMatchObject({ model: 'claude-sonnet-4-5' });
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-gatehouse-resolved-model')).toBe('claude/claude-sonnet-4-5');
    const trace = await traceOf(gw, response.headers.get('x-gatehouse-trace-id'));
    expect(trace).toMatchObject({ requested_model: 'engineering-assistant' });

    const est = await client.messages.countTokens({ model: 'openai-assistant', messages: long }).withResponse();
    expect(est.response.headers.get('x-gatehouse-estimate')).toBe('true');
    expect(est.response.headers.get('x-gatehouse-resolved-model')).toBe('up/gpt-4o-mini');
    expect(openai.requests).toHaveLength(0);
  });

  it('takes no rate-limit slot (requests or tokens) and spends no budget', async () => {
    for (let i = 0; i < 3; i++) {
      const { response } = await client.messages.countTokens({ model: 'engineering-assistant', messages: long }).withResponse();
      // prod's 50-token limit would refuse ~100 tokens if counting were metered.
      expect(response.headers.get('x-gatehouse-shadow')).toBeNull();
    }
    // dev allows one request an hour: the first model call is still that one.
    const first = await client.messages.create({ model: 'engineering-assistant', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(first.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
    const second = await client.messages.create({ model: 'engineering-assistant', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Anthropic.RateLimitError);
  });
});
