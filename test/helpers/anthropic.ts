import Anthropic from '@anthropic-ai/sdk';
import type { Trace } from '../../local-gateway/store/schema.js';
import { TEST_TOKEN, type TestGateway } from './gateway.js';

/** The official Anthropic SDK pointed at the gateway with the local token, as Claude Code is. */
export function anthropicClient(gw: TestGateway): Anthropic {
  return new Anthropic({ apiKey: TEST_TOKEN, baseURL: gw.url, maxRetries: 0 });
}

/** Providers `claude` (Anthropic stand-in) and `up` (OpenAI stand-in), keyed by UPSTREAM_KEY. */
export function bothProviders(anthropicUrl: string, openaiUrl: string) {
  return {
    providers: [
      { id: 'claude', kind: 'anthropic', base_url: anthropicUrl, api_key: 'env:UPSTREAM_KEY' },
      { id: 'up', kind: 'openai', base_url: openaiUrl, api_key: 'env:UPSTREAM_KEY' },
    ],
  };
}

export function traceOf(gw: TestGateway, id: string | null): Promise<Trace> {
  return gw.api<Trace>(`/api/traces/${id}`);
}

/** A raw POST with the local token as x-api-key; the body text as given. */
export async function postRaw(gw: TestGateway, path: string, text: string, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_TOKEN, 'anthropic-version': '2023-06-01', ...headers },
    body: text,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}
