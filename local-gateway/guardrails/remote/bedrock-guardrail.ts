import { z } from 'zod';
import { SecretRefSchema } from '../../core/secret-ref.js';
import type { GuardrailType } from '../../policy/engine/guardrails.js';
import type { Guardrail } from '../../policy/schema.js';
import type { AwsCredentials } from '../../providers/bedrock/signing.js';
import { badAnswer, mapLimit, postJson } from './call.js';
import { remoteCheck, timeoutField, type PieceResult, type Span } from './check.js';
import { borrowedProvider, guardrailKey, providerKey, standaloneGuardrailRuntime, type GuardrailRuntime } from './runtime.js';


/** How errors name it; the policy engine's verdict names the rule around them. */
const WHO = 'bedrock_guardrail';
/**
 * `bedrock_guardrail`: a guardrail configured in AWS Bedrock, applied with ApplyGuardrail
 * (`POST /guardrail/{id}/version/{version}/apply`, SigV4 for service `bedrock`). One call
 * per text, so every assessment belongs to the text it was made on; `mutate` takes Bedrock's
 * own masked output. Credentials and region come from a Bedrock provider of gatehouse.yaml
 * (`provider:`) or the rule's own references.
 */
export const BedrockGuardrailConfig = z
  .strictObject({
    guardrail_id: z.string().regex(/^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+))$/, 'a guardrail id such as gr1a2b3c4d5e, or its ARN'),
    guardrail_version: z.string().regex(/^(([1-9][0-9]{0,7})|(DRAFT))$/, 'a version number or DRAFT').default('DRAFT'),
    provider: z.string().min(1).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1').optional(),
    base_url: z.url({ protocol: /^https?$/ }).optional(),
    access_key_id: SecretRefSchema.optional(),
    secret_access_key: SecretRefSchema.optional(),
    session_token: SecretRefSchema.optional(),
    timeout_ms: timeoutField,
  })
  .refine((c) => c.provider !== undefined || (c.region !== undefined && c.access_key_id !== undefined && c.secret_access_key !== undefined), {
    message: 'name a Bedrock provider of gatehouse.yaml (provider: bedrock), or give region, access_key_id and secret_access_key (as env:/keychain: references)',
  });
type Config = z.infer<typeof BedrockGuardrailConfig>;

const Entry = z.object({ action: z.string().optional(), detected: z.boolean().optional(), match: z.string().optional(), type: z.string().optional(), name: z.string().optional() });
const list = z.array(Entry).optional();
const Answer = z.object({
  action: z.enum(['GUARDRAIL_INTERVENED', 'NONE']),
  outputs: z.array(z.object({ text: z.string().optional() })).default([]),
  assessments: z
    .array(
      z.object({
        topicPolicy: z.object({ topics: list }).optional(),
        contentPolicy: z.object({ filters: list }).optional(),
        wordPolicy: z.object({ customWords: list, managedWordLists: list }).optional(),
        sensitiveInformationPolicy: z.object({ piiEntities: list, regexes: list }).optional(),
        contextualGroundingPolicy: z.object({ filters: list }).optional(),
      }),
    )
    .default([]),
});
type Entry = z.infer<typeof Entry>;

const MAX_CHARS = 25_000;
const IN_FLIGHT = 8;

/** Where an entry's match occurs in the text, or the whole text when it names none (topics, content filters). */
function spansOf(entry: Entry, type: string, text: string): Span[] {
  if (!entry.match) return [{ type, start: 0, end: text.length }];
  const spans: Span[] = [];
  for (let at = text.indexOf(entry.match); at >= 0; at = text.indexOf(entry.match, at + entry.match.length)) {
    spans.push({ type, start: at, end: at + entry.match.length });
  }
  return spans.length > 0 ? spans : [{ type, start: 0, end: text.length }];
}

const lower = (s: string | undefined, fallback: string) => (s ? s.toLowerCase() : fallback);

/** Findings from an ApplyGuardrail answer: only the entries the guardrail acted on (not ones it merely detected). */
export function assessmentSpans(answer: z.infer<typeof Answer>, text: string): Span[] {
  if (answer.action !== 'GUARDRAIL_INTERVENED') return [];
  const spans: Span[] = [];
  const add = (entries: Entry[] | undefined, typeOf: (e: Entry) => string) => {
    for (const e of entries ?? []) if (e.action !== 'NONE' && e.detected !== false) spans.push(...spansOf(e, typeOf(e), text));
  };
  for (const a of answer.assessments) {
    add(a.topicPolicy?.topics, (e) => e.name ?? 'topic');
    add(a.contentPolicy?.filters, (e) => lower(e.type, 'content'));
    add(a.wordPolicy?.customWords, () => 'custom_word');
    add(a.wordPolicy?.managedWordLists, (e) => lower(e.type, 'profanity'));
    add(a.sensitiveInformationPolicy?.piiEntities, (e) => lower(e.type, 'pii'));
    add(a.sensitiveInformationPolicy?.regexes, (e) => e.name ?? 'regex');
    add(a.contextualGroundingPolicy?.filters, (e) => lower(e.type, 'grounding'));
  }
  // Intervened without an assessment this build knows: the whole text, named for what happened.
  if (spans.length === 0) return [{ type: 'intervened', start: 0, end: text.length }];
  // Bedrock lists a value once per occurrence, and each entry finds every occurrence.
  const seen = new Set<string>();
  return spans.filter((s) => {
    const key = `${s.type}\u0000${s.start}\u0000${s.end}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

interface Target {
  url: URL;
  region: string;
  auth: { bearer: string } | { credentials: AwsCredentials };
}

async function target(config: Config, rt: GuardrailRuntime): Promise<Target> {
  const path = `/guardrail/${encodeURIComponent(config.guardrail_id)}/version/${config.guardrail_version}/apply`;
  if (config.provider !== undefined) {
    const p = borrowedProvider(WHO, config.provider, ['bedrock'] as const, rt);
    const base = (config.base_url ?? p.base_url).replace(/\/+$/, '');
    const url = new URL(base + path);
    const bearer = await providerKey(p.id, p.api_key, rt);
    if (bearer) return { url, region: p.region, auth: { bearer } };
    const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([p.access_key_id, p.secret_access_key, p.session_token].map((ref) => providerKey(p.id, ref, rt)));
    return { url, region: p.region, auth: { credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken: sessionToken ?? undefined } } };
  }
  const region = config.region!;
  const url = new URL((config.base_url ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(/\/+$/, '') + path);
  const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
    guardrailKey(WHO, config.access_key_id!, rt),
    guardrailKey(WHO, config.secret_access_key!, rt),
    config.session_token ? guardrailKey(WHO, config.session_token, rt) : undefined,
  ]);
  return { url, region, auth: { credentials: { accessKeyId, secretAccessKey, sessionToken } } };
}

async function authorize(t: Target, body: string): Promise<Record<string, string>> {
  if ('bearer' in t.auth) return { authorization: `Bearer ${t.auth.bearer}` };
  // Smithy's signer is ~10 MB resident: loaded by the first Bedrock guardrail call, as the Bedrock provider does.
  const { signRequest } = await import('../../providers/bedrock/signing.js');
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  return signRequest({ url: t.url, path: t.url.pathname, headers, body }, t.region, t.auth.credentials);
}

/** The check for one rule; the registry builds it, tests too. */
export function createBedrockGuardrail(config: Config, rule: Guardrail, rt: GuardrailRuntime = standaloneGuardrailRuntime()) {
  const source = rule.hook === 'llm_output' || rule.hook === 'mcp_post_tool' ? 'OUTPUT' : 'INPUT';
  const apply = async (text: string): Promise<PieceResult> => {
    const t = await target(config, rt);
    const body = JSON.stringify({ source, content: [{ text: { text } }] });
    const headers = await authorize(t, body);
    const parsed = Answer.safeParse(await postJson({ who: WHO, url: t.url, headers, body, timeoutMs: config.timeout_ms, runtime: rt }));
    if (!parsed.success) throw badAnswer(WHO, 'no action');
    const spans = assessmentSpans(parsed.data, text);
    const outputs = parsed.data.outputs.map((o) => o.text ?? '');
    return spans.length > 0 && outputs.length > 0 ? { spans, masked: outputs.join('') } : { spans };
  };
  return remoteCheck({ maxChars: MAX_CHARS, classify: (pieces) => mapLimit(pieces, IN_FLIGHT, apply) });
}

/** The `bedrock_guardrail` guardrail type. */
export const BEDROCK_GUARDRAIL: GuardrailType<Config> = { config: BedrockGuardrailConfig, create: createBedrockGuardrail, remote: true };
