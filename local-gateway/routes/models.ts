import type { Logger } from '../core/log.js';
import type { ProviderAdapter } from '../providers/types.js';

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
