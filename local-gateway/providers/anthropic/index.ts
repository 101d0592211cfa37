import type { z } from 'zod';
import { heldSecrets } from '../credentials.js';
import { createPool, send } from '../http.js';
import { resolveSecret } from '../secrets.js';
import type { ClientApi } from '../../contracts/client-apis.js';
import { ForwardMetadataSchema, providerConfigSchema } from '../config.js';
import { httpUrl } from '../../core/secret-ref.js';
import { defineProvider, metadataHeader, type ModelInfo, type ProviderAdapter, type ProviderFactoryContext, type UpstreamRequest } from '../types.js';

const PATHS: Partial<Record<ClientApi, string>> = {
  messages: '/v1/messages',
  'messages.count_tokens': '/v1/messages/count_tokens',
};

/** Anthropic's Messages API; `base_url` with or without its `/v1`. */
const AnthropicConfigSchema = providerConfigSchema('anthropic', {
  base_url: httpUrl('https://api.anthropic.com').default('https://api.anthropic.com'),
  forward_metadata: ForwardMetadataSchema,
});

/** The version Anthropic's SDKs send; used when the client (e.g. a translated chat client) sent none. */
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** Protocol headers the client chose and Anthropic reads; copied as sent, never credentials. */
const FORWARDED = ['anthropic-version', 'anthropic-beta'] as const;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Anthropic's Messages API, natively: the client's body goes upstream as sent (system blocks,
 * cache_control, thinking, tools, server tools, metadata) with only the model name rewritten,
 * with the client's `anthropic-version` and `anthropic-beta`, and the stream comes back byte
 * for byte. `base_url` is `https://api.anthropic.com`; a trailing `/v1` is accepted too.
 */
function anthropicAdapter(config: z.output<typeof AnthropicConfigSchema>, ctx: ProviderFactoryContext): ProviderAdapter {
  const pool = createPool(config.base_url, ctx.timeouts);
  const basePath = new URL(config.base_url).pathname.replace(/\/+$/, '').replace(/\/v1$/, '');

  function headers(clientHeaders: UpstreamRequest['clientHeaders'] | null, extra: Record<string, string>): Record<string, string> {
    const key = resolveSecret(config.id, config.api_key, ctx.env);
    const protocol: Record<string, string> = { 'anthropic-version': DEFAULT_ANTHROPIC_VERSION };
    for (const name of FORWARDED) {
      const value = clientHeaders ? single(clientHeaders[name]) : undefined;
      if (value) protocol[name] = value;
    }
    // The key comes from config only: the client's own x-api-key is the local token.
    return { ...config.headers, ...protocol, ...(key ? { 'x-api-key': key } : {}), ...extra };
  }

  return {
    id: config.id,
    kind: 'anthropic',
    apis: new Set<ClientApi>(['messages', 'messages.count_tokens', 'models']),
    models: config.models,
    call(req: UpstreamRequest) {
      return send(pool, {
        providerId: config.id,
        method: 'POST',
        path: basePath + PATHS[req.api],
        headers: headers(req.clientHeaders, { ...metadataHeader(config.forward_metadata === true, req), 'content-type': 'application/json', accept: req.stream ? 'text/event-stream' : 'application/json' }),
        body: req.bodyText ?? JSON.stringify(req.body),
        signal: req.signal,
      });
    },
    async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
      const res = await send(pool, { providerId: config.id, method: 'GET', path: `${basePath}/v1/models?limit=1000`, headers: headers(null, { accept: 'application/json' }), signal });
      const text = await res.text();
      if (res.status !== 200) return config.models.map((id) => ({ id, owned_by: config.id }));
      const parsed = JSON.parse(text) as { data?: { id?: unknown }[] };
      return (parsed.data ?? []).filter((m): m is { id: string } => typeof m.id === 'string').map((m) => ({ id: m.id, owned_by: 'anthropic' }));
    },
    secrets: () => heldSecrets(config.id, [config.api_key], ctx.env),
    close: () => pool.close(),
  };
}

export const anthropic = defineProvider({ kind: 'anthropic', configSchema: AnthropicConfigSchema, create: anthropicAdapter });
