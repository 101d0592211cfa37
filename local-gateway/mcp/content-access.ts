import { ProtocolError, type CompleteRequestParams, type CompleteResult, type Prompt, type Resource, type ResourceTemplateType } from '@modelcontextprotocol/server';
import type { ResourceListener } from './content.js';
import { contentAllowed } from '../policy/engine/access.js';
import type { ToolCallDeps } from './call.js';

/**
 * What the active tier's `prompts`/`resources` lists let callers see and use: a hidden item is
 * neither listed (prompts, resources, templates) nor completed nor subscribed to.
 */

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

/** The tier that decides what callers see: the active one (a shadow tier hides nothing). */
const activeTier = (deps: ToolCallDeps) => deps.policy.source.current().tiers.get(deps.policy.active);

/** The resource templates the active tier lets callers see, by their URI template as the `resources` lists match it. */
export async function visibleTemplates(deps: ToolCallDeps): Promise<{ resourceTemplates: ResourceTemplateType[] }> {
  const { resourceTemplates } = await deps.catalogue.content.listResourceTemplates();
  const tier = activeTier(deps);
  return { resourceTemplates: tier ? resourceTemplates.filter((t) => contentAllowed(tier, 'resource', t.uriTemplate)) : resourceTemplates };
}

/** A hidden prompt or resource is not there for its caller: the same -32602 as one no server has. */
function unlessHidden(deps: ToolCallDeps, kind: 'prompt' | 'resource', name: string): void {
  const tier = activeTier(deps);
  if (tier && !contentAllowed(tier, kind, name)) throw new ProtocolError(-32602, kind === 'prompt' ? `No MCP server behind Gatehouse has a prompt "${name}": list the prompts again (prompts/list).` : `Resource not found: no MCP server behind Gatehouse has ${name} (list the resources again).`, kind === 'resource' ? { uri: name } : undefined);
}

/** `completion/complete` for a prompt or resource template the active tier shows; a hidden one is not found. */
export function completeVisible(deps: ToolCallDeps, params: CompleteRequestParams): Promise<CompleteResult> {
  const ref = params.ref;
  unlessHidden(deps, ref.type === 'ref/prompt' ? 'prompt' : 'resource', ref.type === 'ref/prompt' ? ref.name : ref.uri);
  return deps.catalogue.content.complete(params);
}

/** `resources/subscribe` to a resource the active tier shows; a hidden one is not found. */
export function subscribeVisible(deps: ToolCallDeps, uri: string, listener: ResourceListener): Promise<void> {
  unlessHidden(deps, 'resource', uri);
  return deps.catalogue.content.subscribe(uri, listener);
}
