import type { Prompt, Resource } from '@modelcontextprotocol/server';
import { contentAllowed } from '../policy/engine/access.js';
import type { ToolCallDeps } from './call.js';

/** The prompts the active tier lets callers see (`prompts.allow`/`deny`); a shadow tier hides nothing, its would-deny is recorded on each get. */
export async function visiblePrompts(deps: ToolCallDeps): Promise<{ prompts: Prompt[] }> {
  const { prompts } = await deps.catalogue.content.listPrompts();
  const tier = deps.policy.source.current().tiers.get(deps.policy.active);
  return { prompts: tier ? prompts.filter((p) => contentAllowed(tier, 'prompt', p.name)) : prompts };
}

/** The resources the active tier lets callers see (`resources.allow`/`deny`, by URI). */
export async function visibleResources(deps: ToolCallDeps): Promise<{ resources: Resource[] }> {
  const { resources } = await deps.catalogue.content.listResources();
  const tier = deps.policy.source.current().tiers.get(deps.policy.active);
  return { resources: tier ? resources.filter((r) => contentAllowed(tier, 'resource', r.uri)) : resources };
}

/** Calls `changed` when a policy change moves the active tier's `prompts` or `resources` lists, which change what the listings show. */
export function watchContentRules(deps: ToolCallDeps, changed: (what: 'prompts' | 'resources') => void): void {
  const rules = (what: 'prompts' | 'resources') => JSON.stringify(deps.policy.source.current().tiers.get(deps.policy.active)?.[what] ?? null);
  const shown = { prompts: rules('prompts'), resources: rules('resources') };
  deps.policy.source.onChange(() => {
    for (const what of ['prompts', 'resources'] as const) {
      const now = rules(what);
      if (now === shown[what]) continue;
      shown[what] = now;
      changed(what);
    }
  });
}
