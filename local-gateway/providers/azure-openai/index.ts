import { z } from 'zod';
import { replaceModel } from '../../apis/json-text.js';
import { GatehouseError } from '../../core/errors.js';
import { heldSecrets } from '../credentials.js';
import { modelSegment } from '../model-name.js';
import { createPool, send } from '../http.js';
import { resolveSecret } from '../secrets.js';
import type { ClientApi } from '../../contracts/client-apis.js';
import { providerConfigSchema } from '../config.js';
import { httpUrl } from '../../core/secret-ref.js';
import { defineProvider, type ModelInfo, type ProviderAdapter, type ProviderFactoryContext, type UpstreamRequest } from '../types.js';

/** Azure OpenAI: `base_url` is the resource endpoint, e.g. https://my-resource.openai.azure.com. */
const AzureOpenAIConfigSchema = providerConfigSchema('azure-openai', {
  base_url: httpUrl('https://my-resource.openai.azure.com'),
  /** The data-plane API version of the deployment routes. */
  api_version: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'use an Azure API version such as 2024-10-21').default('2024-10-21').describe('The data-plane API version of the deployment routes.'),
  /** Gateway model name → deployment name; a model not listed is used as its own deployment name. */
  deployments: z.record(z.string().min(1), z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a deployment name has letters, digits, ".", "_" and "-"')).default({}).describe('Gateway model name → deployment name; an unlisted model is used as its own deployment name.'),
});
type AzureConfig = z.output<typeof AzureOpenAIConfigSchema>;

/**
 * Where each API lives on an Azure OpenAI resource. Chat completions and embeddings go to a
 * deployment with the configured `api-version`; the Responses API lives on the v1 surface,
 * which takes the deployment as `model` and needs no api-version.
 */
export function azurePath(basePath: string, config: AzureConfig, api: ClientApi, deployment: string): string {
  const version = encodeURIComponent(config.api_version);
  const dep = modelSegment(deployment);
  if (api === 'chat.completions') return `${basePath}/openai/deployments/${dep}/chat/completions?api-version=${version}`;
  if (api === 'embeddings') return `${basePath}/openai/deployments/${dep}/embeddings?api-version=${version}`;
  if (api === 'responses') return `${basePath}/openai/v1/responses`;
  throw new GatehouseError('GH_ERR_UNSUPPORTED_API', `Provider "${config.id}" (azure-openai) cannot serve ${api}: pick a model on another provider.`);
}

/** Azure OpenAI: OpenAI's wire format on per-deployment URLs, authenticated with an `api-key` header. */
function azureOpenAIAdapter(config: AzureConfig, ctx: ProviderFactoryContext): ProviderAdapter {
  const pool = createPool(config.base_url, ctx.timeouts);
  // The resource endpoint, whether configured with or without its `/openai` path.
  const basePath = new URL(config.base_url).pathname.replace(/\/+$/, '').replace(/\/openai$/, '');
  const models = [...new Set([...config.models, ...Object.keys(config.deployments)])];

  function headers(extra: Record<string, string>): Record<string, string> {
    const key = resolveSecret(config.id, config.api_key, ctx.env);
    return { ...config.headers, ...(key ? { 'api-key': key } : {}), ...extra };
  }

  function body(req: UpstreamRequest, deployment: string): string {
    // Deployment URLs ignore `model`; the v1 Responses API reads the deployment from it.
    if (req.api !== 'responses' || deployment === req.model) return req.bodyText ?? JSON.stringify(req.body);
    const edited = req.bodyText && replaceModel(req.bodyText, req.model, deployment);
    return edited ?? JSON.stringify({ ...req.body, model: deployment });
  }

  return {
    id: config.id,
    kind: config.kind,
    apis: new Set<ClientApi>(['chat.completions', 'responses', 'embeddings', 'models']),
    models,
    call(req: UpstreamRequest) {
      const deployment = config.deployments[req.model] ?? req.model;
      return send(pool, {
        providerId: config.id,
        method: 'POST',
        path: azurePath(basePath, config, req.api, deployment),
        headers: headers({ 'content-type': 'application/json', accept: req.stream ? 'text/event-stream' : 'application/json' }),
        body: body(req, deployment),
        signal: req.signal,
      });
    },
    // The data plane cannot list a resource's deployments; the configured names are the list.
    async listModels(): Promise<ModelInfo[]> {
      return models.map((id) => ({ id, owned_by: config.id }));
    },
    secrets: () => heldSecrets(config.id, [config.api_key], ctx.env),
    close: () => pool.close(),
  };
}

export const azureOpenAI = defineProvider({ kind: 'azure-openai', configSchema: AzureOpenAIConfigSchema, create: azureOpenAIAdapter });
