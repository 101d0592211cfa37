import { z } from 'zod';
import { checkAnswer } from '../../core/answer-shape.js';
import { GatehouseError } from '../../core/errors.js';
import { convertedError, convertedJson, convertedStream, openAIErrorText, sseData } from '../chat-answer.js';
import { readChatBody } from '../chat-request.js';
import { heldSecrets } from '../credentials.js';
import { createPool, send } from '../http.js';
import { modelSegment } from '../model-name.js';
import { resolveSecret } from '../secrets.js';
import type { ClientApi } from '../../contracts/client-apis.js';
import { providerConfigSchema } from '../config.js';
import { httpUrl } from '../../core/secret-ref.js';
import { defineProvider, type ModelInfo, type ProviderAdapter, type ProviderFactoryContext, type UpstreamRequest, type UpstreamResponse } from '../types.js';
import { embeddingsFromGemini, embeddingsToGemini } from './embeddings.js';
import { chatToGemini } from './request.js';
import { Candidate, GeminiStreamConverter, Usage, geminiToChat } from './response.js';
import type { GeminiError } from './wire.js';

const GeminiConfigSchema = providerConfigSchema('gemini', {
  base_url: httpUrl('https://generativelanguage.googleapis.com/v1beta').default('https://generativelanguage.googleapis.com/v1beta'),
});

/**
 * Google's Gemini API on its native `generateContent`: chat completions requests are
 * converted to it and its answers back, in this folder, so the gateway sees OpenAI's format.
 */
function geminiAdapter(config: z.output<typeof GeminiConfigSchema>, ctx: ProviderFactoryContext): ProviderAdapter {
  const pool = createPool(config.base_url, ctx.timeouts);
  const basePath = new URL(config.base_url).pathname.replace(/\/+$/, '');

  function headers(extra: Record<string, string>): Record<string, string> {
    const key = resolveSecret(config.id, config.api_key, ctx.env);
    return { ...config.headers, ...(key ? { 'x-goog-api-key': key } : {}), ...extra };
  }

  // Model names may come as `gemini-2.5-flash` or as the API's own `models/gemini-2.5-flash`.
  const modelPath = (model: string) => {
    const prefixed = /^(models|tunedModels)\/(.*)$/s.exec(model);
    return `${basePath}/${prefixed ? prefixed[1] : 'models'}/${modelSegment(prefixed ? prefixed[2]! : model)}`;
  };

  function post(path: string, body: unknown, req: UpstreamRequest, accept: string): Promise<UpstreamResponse> {
    return send(pool, { providerId: config.id, method: 'POST', path, headers: headers({ 'content-type': 'application/json', accept }), body: JSON.stringify(body), signal: req.signal });
  }

  async function chat(req: UpstreamRequest): Promise<UpstreamResponse> {
    const body = chatToGemini(readChatBody(req.body));
    const path = `${modelPath(req.model)}:${req.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
    const up = await post(path, body, req, req.stream ? 'text/event-stream' : 'application/json');
    if (up.status >= 400) return convertedError(up, geminiErrorAnswer);
    // A server that answers a stream request with one JSON body (a proxy, an error page) is read as a complete answer.
    if (req.stream && up.headers['content-type']?.includes('text/event-stream')) return convertedStream(up, streamChunks(up.body, req.model));
    return convertedJson(up, (text) => convertJson(text, config.id, GenerateAnswerSchema, (parsed) => geminiToChat(parsed as Parameters<typeof geminiToChat>[0], req.model)));
  }

  async function embed(req: UpstreamRequest): Promise<UpstreamResponse> {
    const up = await post(`${modelPath(req.model)}:batchEmbedContents`, embeddingsToGemini(req.body, req.model), req, 'application/json');
    if (up.status >= 400) return convertedError(up, geminiErrorAnswer);
    return convertedJson(up, (text) => convertJson(text, config.id, EmbeddingsAnswerSchema, (parsed) => embeddingsFromGemini(parsed, req.body, req.model)));
  }

  return {
    id: config.id,
    kind: config.kind,
    apis: new Set<ClientApi>(['chat.completions', 'embeddings', 'models']),
    models: config.models,
    call(req: UpstreamRequest) {
      if (req.api === 'chat.completions') return chat(req);
      if (req.api === 'embeddings') return embed(req);
      throw new GatehouseError('GH_ERR_UNSUPPORTED_API', `Provider "${config.id}" (gemini) cannot serve ${req.api}: pick a model on another provider.`);
    },
    async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
      const res = await send(pool, { providerId: config.id, method: 'GET', path: `${basePath}/models?pageSize=1000`, headers: headers({ accept: 'application/json' }), signal });
      const text = await res.text();
      if (res.status !== 200) return config.models.map((id) => ({ id, owned_by: config.id }));
      const parsed = JSON.parse(text) as { models?: { name?: unknown; supportedGenerationMethods?: unknown }[] };
      return (parsed.models ?? [])
        .filter((m): m is { name: string; supportedGenerationMethods?: unknown } => typeof m.name === 'string')
        .filter((m) => !Array.isArray(m.supportedGenerationMethods) || m.supportedGenerationMethods.some((g) => g === 'generateContent' || g === 'embedContent'))
        .map((m) => ({ id: m.name.replace(/^models\//, ''), owned_by: 'google' }));
    },
    secrets: () => heldSecrets(config.id, [config.api_key], ctx.env),
    close: () => pool.close(),
  };
}


/**
 * What the conversion reads of a `generateContent` answer. A prompt Gemini blocks comes back
 * without candidates but with `promptFeedback`; an answer with neither is not Gemini's.
 */
const GenerateAnswerSchema = z
  .looseObject({ candidates: z.array(Candidate).optional(), promptFeedback: z.looseObject({}).optional(), usageMetadata: Usage })
  .refine((a) => a.candidates !== undefined || a.promptFeedback !== undefined, { message: 'neither candidates nor promptFeedback', path: ['candidates'] });

const EmbeddingsAnswerSchema = z.looseObject({ embeddings: z.array(z.looseObject({ values: z.array(z.number()) })) });

/** Parses, checks and converts a complete answer; a body that is not JSON is handed on for the pipeline to report. */
function convertJson(text: string, providerId: string, schema: z.ZodType, convert: (parsed: unknown) => unknown): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  checkAnswer(schema, parsed, providerId, 'Gemini');
  return JSON.stringify(convert(parsed));
}

async function* streamChunks(body: AsyncIterable<Uint8Array>, model: string): AsyncIterable<string> {
  const converter = new GeminiStreamConverter(model);
  for await (const data of sseData(body)) {
    let chunks: string[];
    try {
      chunks = converter.event(data);
    } catch (err) {
      throw new GatehouseError('GH_ERR_UPSTREAM_BAD_RESPONSE', `Gemini sent a stream event Gatehouse could not read (${(err as Error).message}): retry the request.`, { cause: err });
    }
    yield* chunks;
  }
  yield* converter.end();
}

/**
 * Google's error body as OpenAI's. A rejected key comes as 400 INVALID_ARGUMENT with reason
 * API_KEY_INVALID; it is answered as 401 so the gateway blames its config, not the caller.
 */
export function geminiErrorAnswer(text: string, status: number): { status: number; text: string; headers?: Record<string, string> } {
  let parsed: GeminiError;
  try {
    parsed = JSON.parse(text) as GeminiError;
  } catch {
    return { status, text };
  }
  const e = parsed.error;
  if (!e?.message) return { status, text };
  const keyRejected = e.details?.some((d) => d.reason === 'API_KEY_INVALID') === true;
  const finalStatus = keyRejected ? 401 : status;
  // Google says when to retry in the body (RetryInfo), not in a header; clients read retry-after.
  const delay = e.details?.map((d) => d.retryDelay).find((d) => typeof d === 'string');
  const seconds = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
  return {
    status: finalStatus,
    text: openAIErrorText(finalStatus, e.status ? `${e.message} (${e.status})` : e.message, e.status ?? null),
    ...(seconds ? { headers: { 'retry-after': String(Math.ceil(Number(seconds))) } } : {}),
  };
}

export const gemini = defineProvider({ kind: 'gemini', configSchema: GeminiConfigSchema, create: geminiAdapter });
