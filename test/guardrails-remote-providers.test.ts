import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../local-gateway/policy/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';
import { startContentSafetyStandin, type ContentSafetyStandin } from './standins/azure-content-safety.js';
import { startBedrockGuardrailStandin, type BedrockGuardrailStandin } from './standins/bedrock-guardrail.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

/** Bedrock and Azure guardrails through a real gateway: Bedrock masks what goes upstream, Azure refuses an answer. */
const AWS = { region: 'us-west-2', accessKeyId: 'AKIAE2EGUARDRAIL0001', secretAccessKey: 'e2e-guardrail-secret-access-key-0123456789' };
const CS_KEY = 'content-safety-e2e-key-0123456789';

let bedrock: BedrockGuardrailStandin;
let azure: ContentSafetyStandin;
let upstream: OpenAIStandin;
let gw: TestGateway;

beforeAll(async () => {
  bedrock = await startBedrockGuardrailStandin({ ...AWS, guardrailId: 'gre2e0001', guardrailVersion: '2' });
  azure = await startContentSafetyStandin({ apiKey: CS_KEY });
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  const policy = writePolicy(`
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    guardrails:
      - { id: bedrock, type: bedrock_guardrail, hook: llm_input, action: mutate, mode: enforce, config: { guardrail_id: gre2e0001, guardrail_version: "2", provider: aws } }
      - { id: harm-out, type: azure_content_safety, hook: llm_output, action: validate, mode: enforce, config: { endpoint: "${azure.origin}", api_key: "env:CS_KEY" } }
`);
  const config = upstreamConfig(upstream.url);
  const aws = { id: 'aws', kind: 'bedrock', region: AWS.region, base_url: bedrock.origin, access_key_id: 'env:AWS_ID', secret_access_key: 'env:AWS_SECRET' };
  gw = await startGateway({ ...config, providers: [...config.providers, aws], policy }, { AWS_ID: AWS.accessKeyId, AWS_SECRET: AWS.secretAccessKey, CS_KEY });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([bedrock.close(), azure.close(), upstream.close()]);
});

async function trace(id: string | null): Promise<{ verdicts: Verdict[]; raw: string }> {
  const res = await fetch(`${gw.url}/api/traces/${id}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const raw = await res.text();
  return { verdicts: (JSON.parse(raw) as { verdicts: Verdict[] }).verdicts, raw };
}

describe('bedrock_guardrail mutate and azure_content_safety on the answer', () => {
  it('sends upstream the prompt as Bedrock masked it, and records where the PII was', async () => {
    const prompt = 'write to jane@acme.io about the release';
    const r = await chat(gw, prompt);
    expect(r.status).toBe(200);
    expect((upstream.requests.at(-1)!.body as { messages: { content: string }[] }).messages[0]!.content).toBe('write to {EMAIL} about the release');
    expect(bedrock.requests.at(-1)!.body).toEqual({ source: 'INPUT', content: [{ text: { text: prompt } }] });
    const { verdicts, raw } = await trace(r.headers.get('x-gatehouse-trace-id'));
    expect(verdicts.find((v) => v.rule === 'bedrock')).toMatchObject({ decision: 'mutate', findings: [{ type: 'email', start: 9, end: 21 }] });
    expect(raw).not.toContain(AWS.secretAccessKey);
    expect(raw).not.toContain('jane@acme.io');
  });

  it('refuses an answer Azure rates at or above the severity, checking the answer, not the prompt', async () => {
    const before = azure.requests.length;
    const r = await chat(gw, 'repeat after me [[flag:SelfHarm:4]]');
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ code: 'GH_ERR_GUARDRAIL_BLOCKED' });
    expect(r.json.error!.message).toContain('guardrail "harm-out" found self_harm in the output');
    expect(azure.requests.slice(before).map((q) => (q.body as { text: string }).text)).toEqual(['echo: repeat after me [[flag:SelfHarm:4]]']);
  });

  it('a denied topic replaces the prompt with the guardrail\'s blocked message', async () => {
    const r = await chat(gw, 'any stock tips?');
    expect(r.status).toBe(200);
    expect(r.json.choices![0]!.message.content).toBe('echo: Sorry, this request is not allowed by your organisation.');
  });
});
