import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { startAzureStandin, type AzureStandin } from './standins/azure-upstream.js';
import { startBedrockStandin, type BedrockStandin } from './standins/bedrock-upstream.js';
import { startGeminiStandin, type GeminiStandin } from './standins/gemini-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

const AWS = { region: 'eu-west-1', accessKeyId: 'AKIAGATEHOUSETEST01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYGATEHOUSEKEY' };

let gemini: GeminiStandin;
let azure: AzureStandin;
let bedrock: BedrockStandin;
let openai: OpenAIStandin;
let gw: TestGateway;

beforeAll(async () => {
  [gemini, azure, bedrock, openai] = await Promise.all([
    startGeminiStandin({ apiKey: UPSTREAM_KEY }),
    startAzureStandin({ apiKey: UPSTREAM_KEY, deployments: ['gpt-4o-mini'] }),
    startBedrockStandin(AWS),
    startOpenAIStandin({ apiKey: UPSTREAM_KEY }),
  ]);
  gw = await startGateway(
    {
      providers: [
        { id: 'gem', kind: 'gemini', base_url: gemini.url, api_key: 'env:UPSTREAM_KEY' },
        { id: 'az', kind: 'azure-openai', base_url: azure.url, api_key: 'env:UPSTREAM_KEY' },
        { id: 'br', kind: 'bedrock', region: AWS.region, base_url: bedrock.url, access_key_id: 'env:AWS_ACCESS_KEY_ID', secret_access_key: 'env:AWS_SECRET_ACCESS_KEY' },
        { id: 'oai', kind: 'openai', base_url: openai.url, api_key: 'env:UPSTREAM_KEY' },
      ],
    },
    { AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey },
  );
});
afterAll(async () => {
  await gw.close();
  await Promise.all([gemini.close(), azure.close(), bedrock.close(), openai.close()]);
});

async function chat(model: string, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
  });
  return { status: res.status, trace: res.headers.get('x-gatehouse-trace-id'), text: await res.text() };
}

const upstreamRequests = () => gemini.requests.length + azure.requests.length + bedrock.requests.length + openai.requests.length;

describe('model names never steer the upstream URL', () => {
  const HOSTILE = ['x?alt=json&key=zz#', '../../steal?x=', 'a/../../b', 'x#frag', 'a b', 'x\ny', 'x%2F..%2Fsteal', 'x\\..\\y', '..', '.'];

  for (const provider of ['gem', 'az', 'br', 'oai']) {
    it(`${provider}: a name no provider could serve is a 400 naming model, and nothing is sent upstream`, async () => {
      const before = upstreamRequests();
      for (const name of HOSTILE) {
        const r = await chat(`${provider}/${name}`);
        expect(r.status, `${provider}/${name}: ${r.text}`).toBe(400);
        expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'GH_ERR_INVALID_MODEL', param: 'model' } });
        expect(await gw.api<Trace>(`/api/traces/${r.trace}`)).toMatchObject({ status: 400 });
      }
      expect(upstreamRequests()).toBe(before);
    });
  }

  it('gemini: the model is one encoded path segment, as on Azure and Bedrock', async () => {
    await chat('gem/gemini;2.5:flash');
    expect(gemini.requests.at(-1)!.path).toBe('/v1beta/models/gemini%3B2.5%3Aflash:generateContent');
    await chat('gem/models/gemini-2.5-flash');
    expect(gemini.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    await chat('gem/gemini-2.5-flash', { stream: true });
    expect(gemini.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
  });
});
