import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { startBedrockStandin, type BedrockStandin } from './standins/bedrock-upstream.js';
import { startGeminiStandin, type GeminiStandin } from './standins/gemini-upstream.js';

const AWS = { region: 'eu-west-1', accessKeyId: 'AKIAGATEHOUSETEST01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYGATEHOUSEKEY' };
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

let anthropic: AnthropicStandin;
let gemini: GeminiStandin;
let bedrock: BedrockStandin;
let gw: TestGateway;

beforeAll(async () => {
  [anthropic, gemini, bedrock] = await Promise.all([startAnthropicStandin({ apiKey: UPSTREAM_KEY }), startGeminiStandin({ apiKey: UPSTREAM_KEY }), startBedrockStandin(AWS)]);
  gw = await startGateway(
    {
      providers: [
        { id: 'ant', kind: 'anthropic', base_url: anthropic.url, api_key: 'env:UPSTREAM_KEY' },
        { id: 'gem', kind: 'gemini', base_url: gemini.url, api_key: 'env:UPSTREAM_KEY' },
        { id: 'br', kind: 'bedrock', region: AWS.region, base_url: bedrock.url, access_key_id: 'env:AWS_ACCESS_KEY_ID', secret_access_key: 'env:AWS_SECRET_ACCESS_KEY' },
      ],
    },
    { AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey },
  );
});
afterAll(async () => {
  await gw.close();
  await Promise.all([anthropic.close(), gemini.close(), bedrock.close()]);
});

const MODELS = { ant: 'ant/claude-sonnet-4-5', gem: 'gem/gemini-2.5-flash', br: `br/${HAIKU}` };
const user = { role: 'user', content: 'hi' };
const call = (over: Record<string, unknown> = {}, fn: Record<string, unknown> = {}) => ({ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}', ...fn }, ...over });
const turn = (calls: unknown) => [user, { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }];

/** Chat bodies a careless client sends, with the field the refusal must name. */
const MISTAKES: { name: string; body: Record<string, unknown>; param: string }[] = [
  { name: 'tool_calls: [5]', body: { messages: turn([5]) }, param: 'messages.1.tool_calls.0' },
  { name: 'tool_calls: "x"', body: { messages: turn('x') }, param: 'messages.1.tool_calls' },
  { name: 'tool_calls[].id: 1', body: { messages: turn([call({ id: 1 })]) }, param: 'messages.1.tool_calls.0.id' },
  { name: 'tool_calls[].function: null', body: { messages: turn([call({ function: null })]) }, param: 'messages.1.tool_calls.0.function' },
  { name: 'function.arguments: 5', body: { messages: turn([call({}, { arguments: 5 })]) }, param: 'messages.1.tool_calls.0.function.arguments' },
  { name: 'function.name: 5', body: { messages: turn([call({}, { name: 5 })]) }, param: 'messages.1.tool_calls.0.function.name' },
  { name: 'tool_call_id: 5', body: { messages: [user, { role: 'tool', tool_call_id: 5, content: 'ok' }] }, param: 'messages.1.tool_call_id' },
  { name: 'tools: "x"', body: { tools: 'x' }, param: 'tools' },
  { name: 'tools: [null]', body: { tools: [null] }, param: 'tools.0' },
  { name: 'tools: [5]', body: { tools: [5] }, param: 'tools.0' },
  { name: 'tools[].function: "f"', body: { tools: [{ type: 'function', function: 'f' }] }, param: 'tools.0.function' },
  { name: 'tools[].function.name: 5', body: { tools: [{ type: 'function', function: { name: 5 } }] }, param: 'tools.0.function.name' },
  { name: 'tools[].function.parameters: "x"', body: { tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }, param: 'tools.0.function.parameters' },
  { name: 'tool_choice: 5', body: { tool_choice: 5 }, param: 'tool_choice' },
  { name: 'tool_choice.function: "f"', body: { tool_choice: { type: 'function', function: 'f' } }, param: 'tool_choice.function' },
  { name: 'content: 5', body: { messages: [{ role: 'user', content: 5 }] }, param: 'messages.0.content' },
  { name: 'content: [5]', body: { messages: [{ role: 'user', content: [5] }] }, param: 'messages.0.content.0' },
  { name: 'content: [null]', body: { messages: [{ role: 'user', content: [null] }] }, param: 'messages.0.content.0' },
  { name: 'content part text: 5', body: { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }, param: 'messages.0.content.0.text' },
  { name: 'image_url: 5', body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 5 }] }] }, param: 'messages.0.content.0.image_url' },
  { name: 'messages: [5]', body: { messages: [5] }, param: 'messages.0' },
  { name: 'stop: 5', body: { stop: 5 }, param: 'stop' },
  { name: 'stop: [5]', body: { stop: [5] }, param: 'stop.0' },
  { name: 'max_tokens: "x"', body: { max_tokens: 'x' }, param: 'max_tokens' },
  { name: 'temperature: "hot"', body: { temperature: 'hot' }, param: 'temperature' },
  { name: 'response_format: "json"', body: { response_format: 'json' }, param: 'response_format' },
];

async function post(body: unknown) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' } });
  return { status: res.status, trace: res.headers.get('x-gatehouse-trace-id'), body: (await res.json()) as { error?: { code: string; param: string | null; message: string } } };
}

describe('a malformed chat body sent to a translated provider is a 400 naming the field, never a 500', () => {
  for (const [provider, model] of Object.entries(MODELS)) {
    for (const m of MISTAKES) {
      it(`${provider}: ${m.name}`, async () => {
        const r = await post({ model, messages: [user], ...m.body });
        expect(r.status, JSON.stringify(r.body)).toBe(400);
        expect(r.body.error).toMatchObject({ code: 'GH_ERR_INVALID_REQUEST', param: m.param });
        expect(r.body.error!.message).toContain(m.param);
        const trace = await gw.api<Trace>(`/api/traces/${r.trace}`);
        expect(trace).toMatchObject({ status: 400, error_code: 'GH_ERR_INVALID_REQUEST' });
      });
    }
  }

  it('well-formed tool turns still translate on every provider', async () => {
    for (const model of Object.values(MODELS)) {
      const r = await post({ model, messages: turn([call()]), tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }], tool_choice: 'auto', stop: ['END'] });
      expect(r.status, `${model}: ${JSON.stringify(r.body)}`).toBe(200);
    }
  });
});
