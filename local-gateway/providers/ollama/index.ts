import type { z } from 'zod';
import { createPool, send } from '../http.js';
import { providerConfigSchema } from '../config.js';
import { httpUrl } from '../../core/secret-ref.js';
import { openaiCompatibleAdapter } from '../openai/index.js';
import type { ClientApi } from '../../contracts/client-apis.js';
import { defineProvider, type ModelInfo, type ProviderAdapter, type ProviderFactoryContext } from '../types.js';

interface OllamaTags {
  models?: { name?: unknown; model?: unknown }[];
}

/** Ollama needs no key; `api_key` is for an Ollama behind an authenticating proxy. */
const OllamaConfigSchema = providerConfigSchema('ollama', {
  base_url: httpUrl('http://127.0.0.1:11434/v1').default('http://127.0.0.1:11434/v1'),
});

/**
 * Ollama through its OpenAI-compatible API (`base_url` ends in `/v1`); no key is needed.
 * Models are listed from the native `/api/tags`, which names every pulled model with its
 * tag, falling back to `/v1/models` for servers that only speak the compatible API.
 */
function ollamaAdapter(config: z.output<typeof OllamaConfigSchema>, ctx: ProviderFactoryContext): ProviderAdapter {
  const compatible = openaiCompatibleAdapter(config, ctx);
  const nativeRoot = new URL(config.base_url).pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  const pool = createPool(config.base_url, ctx.timeouts);

  async function tags(signal: AbortSignal): Promise<ModelInfo[] | null> {
    const res = await send(pool, { providerId: config.id, method: 'GET', path: `${nativeRoot}/api/tags`, headers: { ...config.headers, accept: 'application/json' }, signal });
    const text = await res.text();
    if (res.status !== 200) return null;
    try {
      const parsed = JSON.parse(text) as OllamaTags;
      return (parsed.models ?? []).flatMap((m) => (typeof m.name === 'string' ? [{ id: m.name, owned_by: 'ollama' }] : []));
    } catch {
      return null;
    }
  }

  return {
    ...compatible,
    kind: config.kind,
    // Declared here, not inherited: what Ollama's compatible API serves is not what OpenAI's does.
    apis: new Set<ClientApi>(['chat.completions', 'embeddings', 'models']),
    async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
      return (await tags(signal)) ?? compatible.listModels(signal);
    },
    async close() {
      await Promise.all([compatible.close(), pool.close()]);
    },
  };
}

export const ollama = defineProvider({ kind: 'ollama', configSchema: OllamaConfigSchema, create: ollamaAdapter });
