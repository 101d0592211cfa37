import { z } from 'zod';
import { checkAnswer } from '../../core/answer-shape.js';
import { GatehouseError } from '../../core/errors.js';
import { convertedError, convertedJson, convertedStream, openAIErrorText } from '../chat-answer.js';
import { readChatBody } from '../chat-request.js';
import { heldSecrets } from '../credentials.js';
import { modelSegment } from '../model-name.js';
import { createPool, send } from '../http.js';
import { resolveSecret } from '../secrets.js';
import type { ClientApi } from '../../contracts/client-apis.js';
import { providerConfigSchema } from '../config.js';
import { httpUrl, SecretRefSchema } from '../../core/secret-ref.js';
import { defineProvider, type ModelInfo, type ProviderAdapter, type ProviderFactoryContext, type UpstreamRequest, type UpstreamResponse } from '../types.js';
import { chatToConverse } from './request.js';
import { converseToChat } from './response.js';
import type { signRequest } from './signing.js';
import type { converseStreamToChat } from './stream.js';
import type { ConverseResponse } from './wire.js';

/**
 * AWS Bedrock: SigV4 with credentials given as references, or a Bedrock API key
 * (`api_key`, sent as a bearer token) instead of them.
 */
const BedrockConfigSchema = providerConfigSchema('bedrock', {
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'use an AWS region such as us-east-1').describe('The AWS region, e.g. `us-east-1`.'),
  base_url: httpUrl('https://bedrock-runtime.us-east-1.amazonaws.com').optional(),
  access_key_id: SecretRefSchema.optional().describe('SigV4 credentials, as references; or `api_key` for a Bedrock API key.'),
  secret_access_key: SecretRefSchema.optional(),
  session_token: SecretRefSchema.optional().describe('For temporary credentials.'),
})
  .superRefine((p, ctx) => {
    if (p.api_key === undefined && (p.access_key_id === undefined || p.secret_access_key === undefined)) {
      ctx.addIssue({ code: 'custom', path: [p.access_key_id === undefined ? 'access_key_id' : 'secret_access_key'], message: 'set access_key_id and secret_access_key (e.g. env:AWS_ACCESS_KEY_ID, env:AWS_SECRET_ACCESS_KEY), or api_key for a Bedrock API key' });
    }
  })
  // The runtime endpoint follows from the region; every kind ends up with a base_url.
  .transform((p) => ({ ...p, base_url: p.base_url ?? `https://bedrock-runtime.${p.region}.amazonaws.com` }));
type BedrockConfig = z.output<typeof BedrockConfigSchema>;

/** What the conversion reads of a Converse answer: the message's content blocks, the stop reason and usage. */
const ConverseAnswerSchema = z.looseObject({
  output: z.looseObject({ message: z.looseObject({ content: z.array(z.looseObject({})) }) }),
  stopReason: z.string().optional(),
  usage: z.looseObject({ inputTokens: z.number().optional(), outputTokens: z.number().optional() }).optional(),
});

/**
 * Smithy's SigV4 signer and event-stream codec, about 10 MB resident: loaded when a Bedrock
 * provider is configured (its factory starts the import, so the first call finds them
 * loaded), never by a gateway without one.
 */
let aws: Promise<{ signRequest: typeof signRequest; converseStreamToChat: typeof converseStreamToChat }> | null = null;

function loadAws() {
  aws ??= Promise.all([import('./signing.js'), import('./stream.js')]).then(([signing, stream]) => ({
    signRequest: signing.signRequest,
    converseStreamToChat: stream.converseStreamToChat,
  }));
  return aws;
}

/**
 * AWS Bedrock through the Converse API: chat completions requests are converted to Converse
 * and its answers (JSON, or ConverseStream's binary event stream) back, in this folder.
 */
function bedrockAdapter(config: BedrockConfig, ctx: ProviderFactoryContext): ProviderAdapter {
  const pool = createPool(config.base_url, ctx.timeouts);
  const url = new URL(config.base_url);
  const basePath = url.pathname.replace(/\/+$/, '');
  // A failed import shows at the first call, which awaits it again.
  loadAws().catch(() => undefined);

  /** Auth headers: a Bedrock API key as a bearer token, else a SigV4 signature over the request. */
  async function authorize(path: string, headers: Record<string, string>, body: string): Promise<Record<string, string>> {
    const apiKey = resolveSecret(config.id, config.api_key, ctx.env);
    if (apiKey) return { ...headers, authorization: `Bearer ${apiKey}` };
    const accessKeyId = resolveSecret(config.id, config.access_key_id, ctx.env)!;
    const secretAccessKey = resolveSecret(config.id, config.secret_access_key, ctx.env)!;
    const sessionToken = resolveSecret(config.id, config.session_token, ctx.env) ?? undefined;
    return (await loadAws()).signRequest({ url, path, headers, body }, config.region, { accessKeyId, secretAccessKey, sessionToken });
  }

  async function call(req: UpstreamRequest): Promise<UpstreamResponse> {
    if (req.api !== 'chat.completions') {
      throw new GatehouseError('GH_ERR_UNSUPPORTED_API', `Provider "${config.id}" (bedrock) cannot serve ${req.api}: pick a model on another provider.`);
    }
    const body = JSON.stringify(chatToConverse(readChatBody(req.body)));
    const path = `${basePath}/model/${modelSegment(req.model)}/${req.stream ? 'converse-stream' : 'converse'}`;
    const accept = req.stream ? 'application/vnd.amazon.eventstream' : 'application/json';
    const headers = await authorize(path, { ...config.headers, 'content-type': 'application/json', accept }, body);
    const up = await send(pool, { providerId: config.id, method: 'POST', path, headers, body, signal: req.signal });
    if (up.status >= 400) return convertedError(up, (text, status) => ({ status, text: bedrockErrorText(text, status, up.headers['x-amzn-errortype']) }));
    // A server that answers a stream request with one JSON body (a proxy, an error page) is read as a complete answer.
    if (req.stream && !up.headers['content-type']?.includes('application/json')) return convertedStream(up, (await loadAws()).converseStreamToChat(up.body, req.model));
    return convertedJson(up, (text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: handed on for the pipeline to report.
        return text;
      }
      checkAnswer(ConverseAnswerSchema, parsed, config.id, 'Bedrock Converse');
      return JSON.stringify(converseToChat(parsed as ConverseResponse, req.model));
    });
  }

  return {
    id: config.id,
    kind: config.kind,
    apis: new Set<ClientApi>(['chat.completions', 'models']),
    models: config.models,
    // A Bedrock API key takes precedence over the access keys (see authorize).
    credentialFields: config.api_key ? ['api_key'] : ['access_key_id', 'secret_access_key', ...(config.session_token ? ['session_token'] : [])],
    call,
    // Listing foundation models is a control-plane call on another endpoint; the configured list is the answer.
    async listModels(): Promise<ModelInfo[]> {
      return config.models.map((id) => ({ id, owned_by: 'bedrock' }));
    },
    secrets: () => heldSecrets(config.id, [config.api_key, config.access_key_id, config.secret_access_key, config.session_token], ctx.env),
    close: () => pool.close(),
  };
}

/** Bedrock's error body `{"message":…}`, named by its `x-amzn-errortype` header, as OpenAI's. */
export function bedrockErrorText(text: string, status: number, errorType: string | undefined): string {
  const type = errorType?.split(':')[0] ?? null;
  let message = text.slice(0, 500).trim() || '(empty body)';
  try {
    const parsed = JSON.parse(text) as { message?: unknown; Message?: unknown };
    const m = parsed.message ?? parsed.Message;
    if (typeof m === 'string') message = m;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return openAIErrorText(status, type ? `${message} (${type})` : message, type);
}

export const bedrock = defineProvider({ kind: 'bedrock', configSchema: BedrockConfigSchema, create: bedrockAdapter });
