import { createPool, send } from '../http.js';
import { forgetSecret, knownSecret, loadSecret } from '../secrets.js';
import type { ClientApi } from '../../contracts/client-apis.js';
import { type CommonProviderConfig, ForwardMetadataSchema, providerConfigSchema } from '../config.js';
import { defineProvider, metadataHeader, type ModelInfo, type ProviderAdapter, type ProviderFactoryContext, type UpstreamRequest } from '../types.js';

const PATHS: Partial<Record<ClientApi, string>> = {
  'chat.completions': '/chat/completions',
  embeddings: '/embeddings',
  responses: '/responses',
};

const OpenAIConfigSchema = providerConfigSchema('openai', { forward_metadata: ForwardMetadataSchema });

/**
 * OpenAI and every server that speaks its API (Ollama, vLLM, LM Studio, llama.cpp):
 * the client's body goes upstream as sent, with only the model name rewritten.
 */
export function openaiCompatibleAdapter(config: CommonProviderConfig & { forward_metadata?: boolean }, ctx: ProviderFactoryContext): ProviderAdapter {
  const pool = createPool(config.base_url, ctx.timeouts);
  const basePath = new URL(config.base_url).pathname.replace(/\/+$/, '');
  // Ollama shares this adapter; only the openai kind has the option.
  const forwardMetadata = config.forward_metadata === true;

  async function headers(extra: Record<string, string>): Promise<Record<string, string>> {
    const key = await loadSecret(config.id, config.api_key, ctx.env);
    // Built from config only: nothing the client sent, least of all its local token, goes upstream.
    return { ...config.headers, ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
  }

  /** A 401 may mean the key was replaced in the keychain since it was read: read it again next time. */
  function onStatus<R extends { status: number }>(res: R): R {
    if (res.status === 401) forgetSecret(config.api_key, ctx.env);
    return res;
  }

  return {
    id: config.id,
    kind: 'openai',
    apis: new Set<ClientApi>(['chat.completions', 'responses', 'embeddings', 'models']),
    models: config.models,
    async call(req: UpstreamRequest) {
      const res = await send(pool, {
        providerId: config.id,
        method: 'POST',
        path: basePath + PATHS[req.api],
        headers: await headers({ ...metadataHeader(forwardMetadata, req), 'content-type': 'application/json', accept: req.stream ? 'text/event-stream' : 'application/json' }),
        body: req.bodyText ?? JSON.stringify(req.body),
        signal: req.signal,
      });
      return onStatus(res);
    },
    async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
      const res = onStatus(await send(pool, { providerId: config.id, method: 'GET', path: `${basePath}/models`, headers: await headers({ accept: 'application/json' }), signal }));
      const text = await res.text();
      if (res.status !== 200) return config.models.map((id) => ({ id, owned_by: config.id }));
      const parsed = JSON.parse(text) as { data?: { id?: unknown; owned_by?: unknown }[] };
      return (parsed.data ?? [])
        .filter((m): m is { id: string; owned_by?: unknown } => typeof m.id === 'string')
        .map((m) => ({ id: m.id, owned_by: typeof m.owned_by === 'string' ? m.owned_by : config.id }));
    },
    secrets() {
      const value = knownSecret(config.api_key, ctx.env);
      return value ? [value] : [];
    },
    close: () => pool.close(),
  };
}

export const openai = defineProvider({ kind: 'openai', configSchema: OpenAIConfigSchema, create: openaiCompatibleAdapter });
