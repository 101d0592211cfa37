import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MODELS_ROUTE } from '../apis/index.js';
import type { Logger } from '../core/log.js';
import { gatehouseHeaders } from '../pipeline/index.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { PolicySource } from '../policy/source.js';

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const CACHE_MS = 5 * 60_000;
const LIST_TIMEOUT_MS = 5_000;
const cache = new WeakMap<ProviderAdapter, { at: number; models: ModelEntry[] }>();

/**
 * Every provider's models under their gateway names (`<provider>/<model>`). Each provider's
 * list is cached; one that cannot be reached contributes the models its config lists, so
 * a down provider never breaks the list for the others.
 */
export async function listModels(providers: ReadonlyMap<string, ProviderAdapter>, log: Logger): Promise<ModelEntry[]> {
  const lists = await Promise.all([...providers.values()].map((p) => modelsOf(p, log)));
  return lists.flat();
}

async function modelsOf(p: ProviderAdapter, log: Logger): Promise<ModelEntry[]> {
  const hit = cache.get(p);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.models;
  const created = Math.floor(Date.now() / 1000);
  let infos: { id: string; owned_by: string }[];
  try {
    infos = await p.listModels(AbortSignal.timeout(LIST_TIMEOUT_MS));
  } catch (err) {
    log.warn('could not list models; using the configured ones', { provider: p.id, err: (err as Error).message });
    return p.models.map((id) => ({ id: `${p.id}/${id}`, object: 'model', created, owned_by: p.id }));
  }
  const models = infos.map((m) => ({ id: `${p.id}/${m.id}`, object: 'model' as const, created, owned_by: m.owned_by }));
  cache.set(p, { at: Date.now(), models });
  return models;
}

/**
 * The active tier's virtual models, read from the policy in force now (the watched file can
 * change while the gateway runs), so agents can discover names such as `engineering-assistant`.
 */
export function virtualModels(source: PolicySource, activeTier: string): ModelEntry[] {
  const policy = source.current();
  const tier = policy.tiers.get(activeTier);
  const created = Math.floor(policy.loadedAt / 1000);
  return Object.keys(tier?.virtual_models ?? {}).map((id) => ({ id, object: 'model', created, owned_by: 'gatehouse' }));
}

/** Anthropic's list shape, which Claude Code reads (it sends `anthropic-version`). */
export function anthropicModelList(models: ModelEntry[]) {
  const data = models.map((m) => ({ type: 'model' as const, id: m.id, display_name: m.id, created_at: new Date(m.created * 1000).toISOString() }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

/**
 * The list for Codex CLI, which asks `GET /models?client_version=…` and decodes
 * `{"models":[ModelInfo…]}` (LiteLLM #36854). Codex's ModelInfo carries each model's full
 * system prompt (`base_instructions`), which only OpenAI has: an entry from the gateway would
 * replace Codex's prompt with an empty one. So `models` is empty (Codex keeps its own
 * catalogue and uses the model its config names) and `data` is the OpenAI list beside it.
 */
export function codexModelList(models: ModelEntry[]) {
  return { object: 'list' as const, data: models, models: [] as unknown[] };
}

export const ModelsQuerySchema = z.looseObject({ client_version: z.string().optional() });

/** `GET /v1/models` in the shape each client reads: OpenAI's, Anthropic's, or Codex's. */
export async function modelsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const handler = async (req: FastifyRequest<{ Querystring: z.infer<typeof ModelsQuerySchema> }>, reply: FastifyReply) => {
    const ctx = req.gh!;
    const { source, active } = app.gateway.policy;
    const data = [...virtualModels(source, active), ...(await listModels(app.gateway.providers, app.gateway.log))];
    let body: unknown;
    if (req.headers['anthropic-version'] !== undefined) body = anthropicModelList(data);
    else if (req.query.client_version !== undefined) body = codexModelList(data);
    else body = { object: 'list', data };
    ctx.status = 200;
    ctx.responseJson = JSON.stringify({ object: 'list', count: data.length });
    app.gateway.pipeline.record(ctx);
    return reply.headers(gatehouseHeaders(ctx)).send(body);
  };
  app.get(MODELS_ROUTE.path, { schema: { querystring: ModelsQuerySchema }, config: { api: 'models' } }, handler);
}
