/**
 * Every client API (chat completions, Responses, Messages) against every provider kind,
 * streamed and not, with a plain answer and with a tool round (the model asks for a tool,
 * the client sends its result back, the model answers), through one real gateway whose
 * providers point at stand-ins speaking each kind's real wire format. Each cell drives the
 * official SDK of its client API and checks the wire event by event and the SDK's result.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planUpstream } from '../local-gateway/translate/index.js';
import type { ProviderKind } from '../local-gateway/providers/registry.js';
import type { Trace } from '../local-gateway/store/schema.js';
import { chatText, chatToolRound } from './helpers/matrix-chat.js';
import { messagesText, messagesToolRound } from './helpers/matrix-messages.js';
import { responsesText, responsesToolRound } from './helpers/matrix-responses.js';
import { clients, startMatrix, WITH_REASONING, WITHOUT_REASONING, type Clients, type Expected, type KindUsage, type Matrix } from './helpers/matrix.js';
import { MATRIX_TEXT, MATRIX_TOOL, MATRIX_TOOL_INPUT, MATRIX_TOOL_NAME } from './standins/matrix-scenario.js';

type ClientApiName = 'chat' | 'responses' | 'messages';
type Text = (c: Clients, model: string, stream: boolean, usage: KindUsage) => Promise<void>;
type ToolRound = (c: Clients, model: string, stream: boolean, usage: KindUsage, tool: Expected) => Promise<void>;

/** How each client API is driven: a plain turn and a tool round. */
const APIS: Record<ClientApiName, { text: Text; toolRound: ToolRound }> = {
  chat: { text: chatText, toolRound: chatToolRound },
  responses: { text: responsesText, toolRound: responsesToolRound },
  messages: { text: messagesText, toolRound: messagesToolRound },
};

/** What each kind's wire reports of the stand-ins' usage: Anthropic and Converse have no reasoning count. */
const KIND_USAGE: Record<ProviderKind, KindUsage> = {
  openai: WITH_REASONING,
  anthropic: WITHOUT_REASONING,
  gemini: WITH_REASONING,
  'azure-openai': WITH_REASONING,
  bedrock: WITHOUT_REASONING,
  ollama: WITH_REASONING,
};

/**
 * The matrix: how each client API reaches each provider kind. `native` is a pass-through,
 * `→ x` a translation to the kind's API x. Every pairing is served; a pairing that could not
 * be would be listed here as `{ refused: 'GH_ERR_…' }` and asserted as that refusal.
 */
const MATRIX: Record<ClientApiName, Record<ProviderKind, string>> = {
  chat: { openai: 'native', anthropic: '→ messages', gemini: 'native (converted)', 'azure-openai': 'native', bedrock: 'native (converted)', ollama: 'native' },
  responses: { openai: 'native', anthropic: '→ messages', gemini: '→ chat', 'azure-openai': 'native', bedrock: '→ chat', ollama: '→ chat' },
  messages: { openai: '→ chat', anthropic: 'native', gemini: '→ chat', 'azure-openai': '→ chat', bedrock: '→ chat', ollama: '→ chat' },
};

const TOOL: Expected = { tool: { name: MATRIX_TOOL_NAME, input: { ...MATRIX_TOOL_INPUT } } };

let m: Matrix;
beforeAll(async () => {
  m = await startMatrix();
});
afterAll(async () => {
  await m?.close();
});

const cells = (Object.keys(MATRIX) as ClientApiName[]).flatMap((api) =>
  (Object.keys(MATRIX[api]) as ProviderKind[]).flatMap((kind) => [false, true].map((stream) => ({ api, kind, stream, via: MATRIX[api][kind] }))),
);

it('the table says how each client API reaches each kind, as the router plans it', () => {
  const api = { chat: 'chat.completions', responses: 'responses', messages: 'messages' } as const;
  for (const { api: name, kind, via } of cells) {
    const plan = planUpstream(api[name], m.gw.app.gateway.providers.get(m.providerOf[kind])!);
    expect(plan && (plan.translation ? `→ ${plan.api === 'chat.completions' ? 'chat' : plan.api}` : 'native'), `${name} × ${kind}`).toBe(via.replace(' (converted)', ''));
  }
});

describe.each(cells)('$api × $kind ($via), stream: $stream', ({ api, kind, stream }) => {
  it('answers a plain turn, and traces its usage', async () => {
    const c = clients(m.gw);
    await APIS[api].text(c, `${m.providerOf[kind]}/${MATRIX_TEXT}`, stream, KIND_USAGE[kind]);
    const { traces } = await m.gw.api<{ traces: Trace[] }>(`/api/traces?model=${m.providerOf[kind]}/${MATRIX_TEXT}&limit=1`);
    const usage = KIND_USAGE[kind];
    // The trace reads the answer the client got: a Responses answer always counts reasoning (0 when the provider does not say).
    const reasoning = api === 'responses' ? (usage.reasoning ?? 0) : usage.reasoning;
    expect(traces[0]).toMatchObject({ status: 200, stream, error_code: null, tokens_in: usage.input, tokens_out: usage.output, tokens_cached: usage.cached, tokens_reasoning: reasoning });
  });

  it('runs a tool round: the call, the result sent back, the answer', async () => {
    await APIS[api].toolRound(clients(m.gw), `${m.providerOf[kind]}/${MATRIX_TOOL}`, stream, KIND_USAGE[kind], TOOL);
  });
});

/**
 * A pairing the gateway cannot serve is refused, never skipped: here a provider configured for
 * embeddings only. Each client API gets GH_ERR_UNSUPPORTED_API in its own error shape, and
 * the provider is not called.
 */
const REFUSALS: { api: ClientApiName; call: (c: Clients, model: string) => Promise<unknown>; shape: 'openai' | 'anthropic' }[] = [
  { api: 'chat', call: (c, model) => c.openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }), shape: 'openai' },
  { api: 'responses', call: (c, model) => c.openai.responses.create({ model, input: 'hi' }), shape: 'openai' },
  { api: 'messages', call: (c, model) => c.anthropic.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }), shape: 'anthropic' },
];

describe.each(REFUSALS)('$api × a provider with apis: [embeddings]', ({ api, call, shape }) => {
  it('is refused with GH_ERR_UNSUPPORTED_API in the API\'s error shape', async () => {
    const before = m.openaiRequests();
    const err = await call(clients(m.gw), 'embed-only/matrix-text').catch((e: unknown) => e);
    expect(m.openaiRequests()).toBe(before);
    const wire = { chat: 'chat.completions', responses: 'responses', messages: 'messages' }[api];
    const message = `Provider "embed-only" (openai) cannot serve ${wire}: pick a model on another provider.`;
    if (shape === 'openai') {
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'GH_ERR_UNSUPPORTED_API', param: 'model', message });
    } else {
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } });
    }
  });
});
