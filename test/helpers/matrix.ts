/**
 * The client API × provider kind matrix's setup: one real gateway with one provider of every
 * kind, each pointing at its stand-in, and SDK clients whose fetch keeps a copy of every
 * answer's raw bytes, so a test checks both what the SDK assembled and each event on the wire.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ProviderKind } from '../../local-gateway/providers/registry.js';
import { startAnthropicStandin, type AnthropicStandin } from '../standins/anthropic-upstream.js';
import { startAzureStandin, type AzureStandin } from '../standins/azure-upstream.js';
import { startBedrockStandin, type BedrockStandin } from '../standins/bedrock-upstream.js';
import { startGeminiStandin, type GeminiStandin } from '../standins/gemini-upstream.js';
import { MATRIX_TEXT, MATRIX_TOOL, MATRIX_USAGE } from '../standins/matrix-scenario.js';
import { startOllamaStandin, type OllamaStandin } from '../standins/ollama-upstream.js';
import { startOpenAIStandin, type OpenAIStandin } from '../standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './gateway.js';

const AWS = { region: 'us-east-1', accessKeyId: 'TESTKEYIDMATRIX00001', secretAccessKey: 'matrixSecretAccessKey/0123456789abcdefGHIJ' };

/** What the client sees of `MATRIX_USAGE` through a kind: its wire has no reasoning count for some. */
export interface KindUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number | null;
}

export const WITH_REASONING: KindUsage = { ...MATRIX_USAGE };
export const WITHOUT_REASONING: KindUsage = { ...MATRIX_USAGE, reasoning: null };

export interface Matrix {
  gw: TestGateway;
  /** The provider id configured for each kind. */
  providerOf: Record<ProviderKind, string>;
  /** Requests the OpenAI stand-in (behind `oai` and `embed-only`) has received. */
  openaiRequests(): number;
  close(): Promise<void>;
}

interface Standins {
  openai: OpenAIStandin;
  anthropic: AnthropicStandin;
  gemini: GeminiStandin;
  azure: AzureStandin;
  bedrock: BedrockStandin;
  ollama: OllamaStandin;
}

export async function startMatrix(): Promise<Matrix> {
  const s: Standins = {
    openai: await startOpenAIStandin({ apiKey: UPSTREAM_KEY }),
    anthropic: await startAnthropicStandin({ apiKey: UPSTREAM_KEY }),
    gemini: await startGeminiStandin({ apiKey: UPSTREAM_KEY }),
    azure: await startAzureStandin({ apiKey: UPSTREAM_KEY, deployments: [MATRIX_TEXT, MATRIX_TOOL] }),
    bedrock: await startBedrockStandin(AWS),
    ollama: await startOllamaStandin(),
  };
  const key = 'env:UPSTREAM_KEY';
  const providers = [
    { id: 'oai', kind: 'openai', base_url: s.openai.url, api_key: key },
    { id: 'claude', kind: 'anthropic', base_url: s.anthropic.url, api_key: key },
    { id: 'gem', kind: 'gemini', base_url: s.gemini.url, api_key: key },
    { id: 'az', kind: 'azure-openai', base_url: s.azure.url, api_key: key },
    { id: 'bed', kind: 'bedrock', region: AWS.region, base_url: s.bedrock.url, access_key_id: 'env:AWS_ACCESS_KEY_ID', secret_access_key: 'env:AWS_SECRET_ACCESS_KEY' },
    { id: 'oll', kind: 'ollama', base_url: s.ollama.url },
    // A server configured to serve embeddings only: every conversational API must be refused.
    { id: 'embed-only', kind: 'openai', base_url: s.openai.url, api_key: key, apis: ['embeddings'] },
  ];
  const gw = await startGateway({ providers }, { AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey });
  return {
    gw,
    providerOf: { openai: 'oai', anthropic: 'claude', gemini: 'gem', 'azure-openai': 'az', bedrock: 'bed', ollama: 'oll' },
    openaiRequests: () => s.openai.requests.length,
    async close() {
      await gw.close();
      await Promise.all(Object.values(s).map((x: { close(): Promise<void> }) => x.close()));
    },
  };
}

/** A fetch that hands every answer to the caller and keeps a copy of its bytes. */
export function capturingFetch(): { fetch: typeof fetch; lastBody(): Promise<string> } {
  const bodies: Promise<string>[] = [];
  return {
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      bodies.push(res.clone().text());
      return res;
    },
    lastBody: () => bodies.at(-1) ?? Promise.reject(new Error('no answer was captured')),
  };
}

export interface Clients {
  openai: OpenAI;
  anthropic: Anthropic;
  /** The raw text of the last answer either client received. */
  lastBody(): Promise<string>;
}

export function clients(gw: TestGateway): Clients {
  const capture = capturingFetch();
  return {
    openai: new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0, fetch: capture.fetch }),
    anthropic: new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0, fetch: capture.fetch }),
    lastBody: capture.lastBody,
  };
}

/** What a matrix turn expects from the model: a text, or a call of the weather tool. */
export type Expected = { text: string } | { tool: { name: string; input: Record<string, unknown> } };

export const USER_TEXT = 'What is the weather in Paris?';
export const TOOL_RESULT = 'sunny, 21 C';
export const TOOL_DEF = { name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };
