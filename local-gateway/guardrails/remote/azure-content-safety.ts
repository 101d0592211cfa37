import { z } from 'zod';
import { SecretRefSchema } from '../../core/secret-ref.js';
import type { GuardrailType } from '../../policy/engine/guardrails.js';
import type { Guardrail } from '../../policy/schema.js';
import { badAnswer, mapLimit, postJson } from './call.js';
import { remoteCheck, timeoutField, type PieceResult, type Span } from './check.js';
import { guardrailKey, standaloneGuardrailRuntime, type GuardrailRuntime } from './runtime.js';


/** How errors name it; the policy engine's verdict names the rule around them. */
const WHO = 'azure_content_safety';
/**
 * `azure_content_safety`: Azure AI Content Safety's text analysis
 * (`POST {endpoint}/contentsafety/text:analyze?api-version=2024-09-01`), one call per text
 * (the API takes one), at most 8 in flight; a text over the service's 10,000-character limit
 * is sent in pieces and the findings keep offsets into the whole text. With `prompt_shields`
 * each text also goes to Prompt Shields (`text:shieldPrompt`), a detected attack being an
 * `attack` finding.
 */
const CATEGORIES = ['Hate', 'SelfHarm', 'Sexual', 'Violence'] as const;

export const AzureContentSafetyConfig = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/, error: 'must be the resource endpoint, e.g. https://my-resource.cognitiveservices.azure.com' }),
  api_key: SecretRefSchema,
  /** A category is a finding from this severity up (0, 2, 4, 6): 4 is "medium", Azure OpenAI's default filter level. */
  severity: z.union([z.literal(2), z.literal(4), z.literal(6)], { error: 'use 2 (low), 4 (medium) or 6 (high)' }).default(4),
  categories: z.array(z.enum(CATEGORIES, { error: `use ${CATEGORIES.join(', ')}` })).min(1).optional(),
  /** Custom blocklists of the resource to match too; a match is a `blocklist:<name>` finding. */
  blocklists: z.array(z.string().regex(/^[A-Za-z0-9_.~-]{1,64}$/, 'a blocklist name')).default([]),
  prompt_shields: z.boolean().default(false),
  api_version: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/).default('2024-09-01'),
  timeout_ms: timeoutField,
});
type Config = z.infer<typeof AzureContentSafetyConfig>;

const Analysis = z.object({
  categoriesAnalysis: z.array(z.object({ category: z.string(), severity: z.number().nullable().optional() })),
  blocklistsMatch: z.array(z.object({ blocklistName: z.string(), blocklistItemText: z.string().optional() })).nullable().optional(),
});
const Shield = z.object({
  userPromptAnalysis: z.object({ attackDetected: z.boolean() }).nullable().optional(),
});

/** The service's limit per text. */
export const AZURE_MAX_CHARS = 10_000;
const IN_FLIGHT = 8;

/** `SelfHarm` → `self_harm`: finding types are lower-case words, as the other guardrails' are. */
export const categoryType = (category: string) => category.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/** Findings from one analysis: each category at or above the severity, each blocklist match (where it is, when the text shows it). */
export function analysisSpans(answer: z.infer<typeof Analysis>, piece: string, severity: number): Span[] {
  const spans: Span[] = [];
  for (const c of answer.categoriesAnalysis) {
    if ((c.severity ?? 0) >= severity) spans.push({ type: categoryType(c.category), start: 0, end: piece.length });
  }
  for (const m of answer.blocklistsMatch ?? []) {
    const at = m.blocklistItemText ? piece.toLowerCase().indexOf(m.blocklistItemText.toLowerCase()) : -1;
    const [start, end] = at >= 0 ? [at, at + m.blocklistItemText!.length] : [0, piece.length];
    spans.push({ type: `blocklist:${m.blocklistName}`, start, end });
  }
  return spans;
}

/** The check for one rule; the registry builds it, tests too. */
export function createAzureContentSafety(config: Config, _rule: Guardrail, rt: GuardrailRuntime = standaloneGuardrailRuntime()) {
  const base = config.endpoint.replace(/\/+$/, '');
  const analyze = async (piece: string): Promise<Span[]> => {
    const key = await guardrailKey(WHO, config.api_key, rt);
    const body = JSON.stringify({
      text: piece,
      ...(config.categories ? { categories: config.categories } : {}),
      ...(config.blocklists.length > 0 ? { blocklistNames: config.blocklists, haltOnBlocklistHit: false } : {}),
      outputType: 'FourSeverityLevels',
    });
    const url = new URL(`${base}/contentsafety/text:analyze?api-version=${config.api_version}`);
    const parsed = Analysis.safeParse(await postJson({ who: WHO, url, headers: { 'ocp-apim-subscription-key': key }, body, timeoutMs: config.timeout_ms, runtime: rt }));
    if (!parsed.success) throw badAnswer(WHO, 'no categoriesAnalysis');
    return analysisSpans(parsed.data, piece, config.severity);
  };
  const shield = async (piece: string): Promise<Span[]> => {
    const key = await guardrailKey(WHO, config.api_key, rt);
    const url = new URL(`${base}/contentsafety/text:shieldPrompt?api-version=${config.api_version}`);
    const body = JSON.stringify({ userPrompt: piece, documents: [] });
    const parsed = Shield.safeParse(await postJson({ who: WHO, url, headers: { 'ocp-apim-subscription-key': key }, body, timeoutMs: config.timeout_ms, runtime: rt }));
    if (!parsed.success) throw badAnswer(WHO, 'no userPromptAnalysis');
    return parsed.data.userPromptAnalysis?.attackDetected ? [{ type: 'attack', start: 0, end: piece.length }] : [];
  };
  return remoteCheck({
    maxChars: AZURE_MAX_CHARS,
    classify(pieces) {
      return mapLimit(pieces, IN_FLIGHT, async (piece): Promise<PieceResult> => {
        const [harm, attack] = await Promise.all([analyze(piece), config.prompt_shields ? shield(piece) : []]);
        return { spans: [...harm, ...attack] };
      });
    },
  });
}

/** The `azure_content_safety` guardrail type. */
export const AZURE_CONTENT_SAFETY: GuardrailType<Config> = { config: AzureContentSafetyConfig, create: createAzureContentSafety, remote: true };
