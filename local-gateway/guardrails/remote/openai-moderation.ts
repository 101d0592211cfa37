import { z } from 'zod';
import { SecretRefSchema } from '../../core/secret-ref.js';
import { GatehouseError } from '../../core/errors.js';
import type { GuardrailType } from '../../policy/engine/guardrails.js';
import type { Guardrail } from '../../policy/schema.js';
import { badAnswer, mapLimit, postJson } from './call.js';
import { remoteCheck, timeoutField, type PieceResult } from './check.js';
import { borrowedProvider, guardrailKey, providerKey, standaloneGuardrailRuntime, type GuardrailRuntime } from './runtime.js';


/** How errors name it; the policy engine's verdict names the rule around them. */
const WHO = 'openai_moderation';
/**
 * `openai_moderation`: OpenAI's moderation endpoint (`POST {base_url}/moderations`), one
 * batched call per request. Credentials come from an OpenAI provider of gatehouse.yaml
 * (`provider:`) or a key reference of the rule's own (`api_key:`); a bundle never holds a key.
 */
export const OpenAIModerationConfig = z
  .strictObject({
    provider: z.string().min(1).optional(),
    base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.openai.com/v1' }).optional(),
    api_key: SecretRefSchema.optional(),
    model: z.string().min(1).default('omni-moderation-latest'),
    /** Only these categories count (e.g. `harassment`, `self-harm/intent`); absent: every category. */
    categories: z.array(z.string().min(1)).min(1).optional(),
    /** A category counts when its score reaches this, flagged or not; absent: when OpenAI flags it. */
    threshold: z.number().min(0).max(1).optional(),
    timeout_ms: timeoutField,
  })
  .refine((c) => c.provider !== undefined || c.api_key !== undefined, {
    message: 'name an OpenAI provider of gatehouse.yaml (provider: openai) or a key reference (api_key: env:OPENAI_API_KEY)',
  });
type Config = z.infer<typeof OpenAIModerationConfig>;

const Answer = z.object({
  results: z.array(
    z.object({
      flagged: z.boolean(),
      categories: z.record(z.string(), z.boolean().nullable()),
      category_scores: z.record(z.string(), z.number().nullable()),
    }),
  ),
});
type Result = z.infer<typeof Answer>['results'][number];

/** Texts per call: the endpoint takes a list; very long lists are split so one call stays small. */
const BATCH = 32;

/** The category a result is acted on for, the highest-scoring of those that count; null when none does. */
export function moderationCategory(r: Result, config: Pick<Config, 'categories' | 'threshold'>): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const [name, flagged] of Object.entries(r.categories)) {
    if (config.categories && !config.categories.includes(name)) continue;
    const score = r.category_scores[name] ?? 0;
    const counts = config.threshold === undefined ? flagged === true : score >= config.threshold;
    if (counts && score > bestScore) [best, bestScore] = [name, score];
  }
  return best;
}

async function endpoint(config: Config, rt: GuardrailRuntime): Promise<{ url: URL; key: string }> {
  if (config.provider !== undefined) {
    const p = borrowedProvider(WHO, config.provider, ['openai'] as const, rt);
    const key = config.api_key ? await guardrailKey(WHO, config.api_key, rt) : await providerKey(p.id, p.api_key, rt);
    if (!key) throw new GatehouseError('GH_ERR_GUARDRAIL_UNAVAILABLE', `${WHO} uses provider "${p.id}", which has no api_key: give it one, or the guardrail its own api_key.`);
    return { url: new URL(`${(config.base_url ?? p.base_url).replace(/\/+$/, '')}/moderations`), key };
  }
  const base = (config.base_url ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  return { url: new URL(`${base}/moderations`), key: await guardrailKey(WHO, config.api_key!, rt) };
}

/** The check for one rule; the registry builds it, tests too. */
export function createOpenAIModeration(config: Config, _rule: Guardrail, rt: GuardrailRuntime = standaloneGuardrailRuntime()) {
  const classifyBatch = async (input: readonly string[]): Promise<PieceResult[]> => {
    const { url, key } = await endpoint(config, rt);
    const body = JSON.stringify({ model: config.model, input });
    const parsed = Answer.safeParse(await postJson({ who: WHO, url, headers: { authorization: `Bearer ${key}` }, body, timeoutMs: config.timeout_ms, runtime: rt }));
    if (!parsed.success) throw badAnswer(WHO, 'no results list');
    if (parsed.data.results.length !== input.length) throw badAnswer(WHO, `${parsed.data.results.length} results for ${input.length} inputs`);
    return parsed.data.results.map((r, i) => {
      const type = moderationCategory(r, config);
      return { spans: type === null ? [] : [{ type, start: 0, end: input[i]!.length }] };
    });
  };
  return remoteCheck({
    // omni-moderation reads about 32k tokens per input; pieces stay well inside that.
    maxChars: 32_000,
    async classify(pieces) {
      const batches: string[][] = [];
      for (let i = 0; i < pieces.length; i += BATCH) batches.push(pieces.slice(i, i + BATCH));
      return (await mapLimit(batches, 4, classifyBatch)).flat();
    },
  });
}

/** The `openai_moderation` guardrail type. */
export const OPENAI_MODERATION: GuardrailType<Config> = { config: OpenAIModerationConfig, create: createOpenAIModeration, remote: true };
