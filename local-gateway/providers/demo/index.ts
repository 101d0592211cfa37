import { randomUUID } from 'node:crypto';
import { readText } from '../http.js';
import type { ClientApi } from '../../contracts/client-apis.js';
import type { ModelInfo, ProviderAdapter, UpstreamRequest, UpstreamResponse } from '../types.js';

export const DEMO_MODELS = ['echo'];

/**
 * The built-in provider: answers in OpenAI's wire format with no key and no network, so a
 * fresh install works end to end. Every answer says it comes from the demo.
 */
export function demoProvider(): ProviderAdapter {
  return {
    id: 'demo',
    kind: 'demo',
    apis: new Set<ClientApi>(['chat.completions', 'embeddings', 'models']),
    models: DEMO_MODELS,
    async call(req: UpstreamRequest): Promise<UpstreamResponse> {
      if (req.api === 'embeddings') return json(200, embeddings(req));
      const text = reply(req.body);
      const usage = { prompt_tokens: estimateTokens(JSON.stringify(req.body.messages ?? '')), completion_tokens: estimateTokens(text) };
      return req.stream ? stream(req, text, usage) : json(200, completion(req.model, text, usage));
    },
    async listModels(): Promise<ModelInfo[]> {
      return DEMO_MODELS.map((id) => ({ id, owned_by: 'gatehouse-demo' }));
    },
    secrets: () => [],
    close: async () => {},
  };
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (Array.isArray(last.content)) {
    return (last.content as { type?: unknown; text?: unknown }[])
      .map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
      .join(' ');
  }
  return '';
}

function reply(body: Record<string, unknown>): string {
  const said = lastUserText(body).slice(0, 200);
  return `Demo reply from Gatehouse (no model was called). You said: "${said}". Add a provider to gatehouse.yaml to reach a real model.`;
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

function usageBody(u: Usage) {
  return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens, prompt_tokens_details: { cached_tokens: 0 } };
}

function completion(model: string, text: string, usage: Usage) {
  return {
    id: `chatcmpl-demo-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: usageBody(usage),
  };
}

function embeddings(req: UpstreamRequest) {
  const input = req.body.input;
  const inputs = Array.isArray(input) ? input : [input];
  const base64 = req.body.encoding_format === 'base64';
  const data = inputs.map((item, index) => {
    const seed = JSON.stringify(item ?? '');
    const vector = Array.from({ length: 8 }, (_, i) => Math.sin(seed.length + i * (seed.charCodeAt(i % seed.length) || 1)));
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = estimateTokens(inputs.map((i) => JSON.stringify(i)).join(''));
  return { object: 'list', data, model: req.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

function json(status: number, body: unknown): UpstreamResponse {
  const bytes = Buffer.from(JSON.stringify(body));
  async function* chunks() {
    yield bytes;
  }
  return { status, headers: { 'content-type': 'application/json' }, body: chunks(), text: async () => bytes.toString('utf8'), dispose: () => {} };
}

function stream(req: UpstreamRequest, text: string, usage: Usage): UpstreamResponse {
  const id = `chatcmpl-demo-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const withUsage = (req.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const chunk = (delta: object, finish: string | null) => ({
    id, object: 'chat.completion.chunk', created, model: req.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(withUsage ? { usage: null } : {}),
  });
  const events: object[] = [chunk({ role: 'assistant', content: '' }, null)];
  for (const word of text.match(/\S+\s*/g) ?? []) events.push(chunk({ content: word }, null));
  events.push(chunk({}, 'stop'));
  if (withUsage) events.push({ id, object: 'chat.completion.chunk', created, model: req.model, choices: [], usage: usageBody(usage) });
  async function* body() {
    for (const e of events) yield Buffer.from(`data: ${JSON.stringify(e)}\n\n`);
    yield Buffer.from('data: [DONE]\n\n');
  }
  const stream = body();
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: stream, text: () => readText(stream), dispose: () => {} };
}
