import { z } from 'zod';

/**
 * The org's policy bundle (`apiVersion: gatehouse/v1`): one zod schema, the single source of
 * truth for `gatehouse policy check`, the file watcher, the engine and the sync protocol.
 * Objects are strict, so a typo in a key is an error that names its path, never a rule that
 * silently does nothing.
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'use letters, digits, ".", "_", ":" and "-"');

/** `audit` records only; `enforce` blocks (a failing guardrail lets traffic through); `strict` also blocks when the check itself fails. */
export const ModeSchema = z.enum(['audit', 'enforce', 'strict']);
export type Mode = z.infer<typeof ModeSchema>;

/** A window: `30s`, `15m`, `1h`, `7d`, or a calendar period `minute|hour|day|week|month` (UTC). */
export const PeriodSchema = z
  .string()
  .regex(/^(\d+(s|m|h|d)|minute|hour|day|week|month)$/, 'use a window such as 30s, 15m, 1h, 7d, or minute, hour, day, week, month');

/** A counter's key parts: the caller, their team, the resolved model, or a metadata value. */
export const ScopeSchema = z
  .string()
  .regex(/^(user|team|model|tool|metadata\.[A-Za-z0-9_.-]+)$/, 'use user, team, model, tool or metadata.<key>');

/** Which requests a rule applies to; every listed condition must hold (absent = all requests). */
export const MatchSchema = z.strictObject({
  /** Metadata values that must be equal, e.g. `{ surface: ide-agent }`. */
  metadata: z.record(z.string(), z.string()).optional().describe('Metadata values that must be equal, e.g. `{ surface: ide-agent }`.'),
  /** Model globs (requested or resolved name), e.g. `openai/*`. */
  models: z.array(z.string().min(1)).optional().describe('Model globs (requested or resolved name), e.g. `openai/*`.'),
  users: z.array(z.string().min(1)).optional().describe("Callers' user names."),
  teams: z.array(z.string().min(1)).optional().describe("Callers' teams."),
  /** Exposed MCP tool globs (`<server>_<tool>`), e.g. `files_*`; only tool calls match. */
  tools: z.array(z.string().min(1)).optional().describe('Exposed MCP tool globs (`<server>_<tool>`), e.g. `files_*`; only tool calls match.'),
});
export type Match = z.infer<typeof MatchSchema>;

export const RetrySchema = z.strictObject({
  /** Tries in all (1 = no retry). */
  attempts: z.number().int().min(1).max(10).default(1).describe('Tries in all (1 = no retry).'),
  on_status: z.array(z.number().int().min(400).max(599)).default([429, 500, 502, 503, 504]),
  /** First backoff; doubles each try, with jitter. */
  backoff_ms: z.number().int().min(0).max(60_000).default(200).describe('First backoff; doubles each try, with jitter.'),
});

export const TargetSchema = z.strictObject({
  /** `<provider>/<model>`. */
  model: z.string().min(1).describe('`<provider>/<model>`.'),
  /** Lower goes first; targets of equal priority share traffic by weight. */
  priority: z.number().int().min(0).default(0).describe('Lower goes first; equal priorities share traffic by `weight`.'),
  weight: z.number().positive().default(1),
  retry: RetrySchema.optional(),
  /** Per-target deadline for the response headers (ms). */
  timeout_ms: z.number().int().positive().optional().describe('Deadline for the response headers; past it counts as `timeout`.'),
});
export type Target = z.infer<typeof TargetSchema>;

export const VirtualModelSchema = z.strictObject({
  targets: z.array(TargetSchema).min(1, 'a virtual model needs at least one target'),
  /** Statuses (and `timeout`) that move on to the next target. */
  fallback_on: z.array(z.union([z.number().int().min(400).max(599), z.literal('timeout')])).default([429, 500, 502, 503, 504, 'timeout']).describe('Statuses (and `timeout`) that move on to the next target.'),
  /** Consecutive failures that open a target's circuit, and how long it stays open. */
  circuit_breaker: z
    .strictObject({ failures: z.number().int().min(1).default(5), cooldown_ms: z.number().int().min(100).default(30_000) })
    .optional()
    .describe("Consecutive failures that open a target's circuit, and how long it stays open."),
});
export type VirtualModel = z.infer<typeof VirtualModelSchema>;

export const RateLimitSchema = z.strictObject({
  id,
  when: MatchSchema.optional().describe('Which requests it applies to.'),
  scope: z.array(ScopeSchema).default([]).describe("The counter's key parts; empty: one counter for everyone."),
  limit: z
    .strictObject({ requests: z.number().int().positive().optional(), tokens: z.number().int().positive().optional(), per: PeriodSchema })
    .refine((l) => (l.requests === undefined) !== (l.tokens === undefined), 'set exactly one of requests or tokens'),
  mode: ModeSchema.default('enforce'),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const BudgetSchema = z.strictObject({
  id,
  when: MatchSchema.optional().describe('Which requests it applies to.'),
  scope: z.array(ScopeSchema).default([]).describe("The spend's key parts; empty: one for everyone."),
  limit: z.strictObject({ usd: z.number().positive(), per: PeriodSchema }),
  mode: ModeSchema.default('enforce'),
});
export type Budget = z.infer<typeof BudgetSchema>;

export const HOOKS = ['llm_input', 'llm_output', 'mcp_pre_tool', 'mcp_post_tool'] as const;

export const GuardrailSchema = z.strictObject({
  id,
  /** The guardrail kind, a key of the guardrail registry (e.g. `deny_regex`, `pii`). */
  type: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a guardrail type such as pii, secrets, deny_regex'),
  hook: z.enum(HOOKS).describe('`llm_input` (the prompt), `llm_output` (the answer), `mcp_pre_tool` (a tool call\'s arguments, before `/mcp` forwards it) or `mcp_post_tool` (what an MCP server returns: a tool\'s result, a prompt\'s messages from `prompts/get`, a resource\'s text from `resources/read`).'),
  /** `validate` blocks on a finding; `mutate` redacts and goes on. */
  action: z.enum(['validate', 'mutate']).describe('`validate` refuses on a finding; `mutate` redacts and goes on.'),
  mode: ModeSchema.default('enforce').describe('`audit` records only; `enforce` acts (a failing guardrail lets traffic through); `strict` also refuses when it fails.'),
  when: MatchSchema.optional().describe('Which requests it applies to.'),
  /** The guardrail type's own settings, checked by that type's schema. */
  config: z.record(z.string(), z.unknown()).default({}).describe("The type's own settings (Guardrail types below)."),
});
export type Guardrail = z.infer<typeof GuardrailSchema>;

/** An allow/deny glob list over names (deny wins); absent, everything is allowed. */
const AccessSchema = z.strictObject({ allow: z.array(z.string().min(1)).default(['*']), deny: z.array(z.string().min(1)).default([]) });

/** The poll interval of an enrolled device when the bundle's `sync` section names none. */
export const DEFAULT_SYNC_INTERVAL_S = 60;

/**
 * One tier as written. With `extends`, keys present here replace the parent's, except the
 * id-keyed lists (`rate_limits`, `budgets`, `guardrails`) and `virtual_models`, which merge by
 * id/name: a rule with a parent's id replaces it, a new id is added after the parent's.
 */
export const TierSchema = z.strictObject({
  extends: z.string().min(1).optional().describe("A parent tier: sections given here replace its; rules merge by `id`, virtual models by name."),
  metadata: z.strictObject({ required: z.array(z.string().min(1)).default([]) }).optional().describe('Keys of `x-gatehouse-metadata` every request must carry.'),
  models: z.strictObject({ allow: z.array(z.string().min(1)).default(['*']), deny: z.array(z.string().min(1)).default([]) }).optional().describe('Model globs allowed and denied (deny wins; `*` matches `/` too).'),
  tools: z
    .strictObject({ allow: z.array(z.string().min(1)).default(['*']), deny: z.array(z.string().min(1)).default([]) })
    .optional()
    .describe('MCP tool globs over the exposed names (`<server>_<tool>`, e.g. `files_*`) allowed and denied (deny wins): the active tier hides the others from `tools/list` and refuses their calls.'),
  prompts: AccessSchema.optional().describe('MCP prompt globs over the exposed names (`<server>_<prompt>`) allowed and denied (deny wins): the active tier hides the others from `prompts/list` and refuses their `prompts/get`.'),
  resources: AccessSchema.optional().describe('MCP resource globs over the URIs (e.g. `file:///repo/*`) allowed and denied (deny wins): the active tier hides the others from `resources/list` and refuses their `resources/read`.'),
  virtual_models: z.record(z.string().min(1), VirtualModelSchema).optional().describe('Names that route to targets with retries, fallback and a circuit breaker.'),
  rate_limits: z.array(RateLimitSchema).optional().describe('Requests or tokens per window; the first rule whose `when` matches applies.'),
  budgets: z.array(BudgetSchema).optional().describe('USD per period; every matching budget applies.'),
  guardrails: z.array(GuardrailSchema).optional().describe('Checks on the prompt and the answer.'),
  logging: z
    .strictObject({ bodies: z.enum(['full', 'redacted', 'none']).default('full'), retention_days: z.number().int().positive().default(30) })
    .optional()
    .describe("How bodies leave the device (sync records, OTLP export); `retention_days`: how long the device keeps its traces."),
  sync: z
    .strictObject({
      push: z.array(z.enum(['usage', 'verdicts', 'bodies'])).default(['usage', 'verdicts']).describe("What an enrolled device's records carry."),
      /** How often an enrolled device polls for a new bundle (±10% jitter, so a fleet does not poll in step). */
      interval_seconds: z.number().int().min(10).max(86_400).default(DEFAULT_SYNC_INTERVAL_S).describe('How often an enrolled device polls (±10% jitter).'),
    })
    .optional(),
});
export type TierSpec = z.infer<typeof TierSchema>;

export const PolicyBundleSchema = z
  .strictObject({
    apiVersion: z.literal('gatehouse/v1', { error: 'apiVersion must be gatehouse/v1' }),
    org: z.string().min(1).describe("The org's name; an enrolled device accepts only its org's bundles."),
    /** Monotonic; set by the central gateway on publish. */
    version: z.number().int().min(0).default(0).describe('Monotonic; set by the central gateway on publish.'),
    expires: z.iso.datetime({ offset: true, error: 'use an ISO 8601 time such as 2026-12-31T00:00:00Z' }).optional(),
    tiers: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'tier names are lower-case words'), TierSchema),
  })
  .superRefine((b, ctx) => {
    const names = Object.keys(b.tiers);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'define at least one tier, e.g. dev' });
    for (const [name, tier] of Object.entries(b.tiers)) {
      if (tier.extends !== undefined && !(tier.extends in b.tiers)) {
        ctx.addIssue({ code: 'custom', path: ['tiers', name, 'extends'], message: `extends unknown tier "${tier.extends}" (tiers: ${names.join(', ')})` });
      }
      // A cycle would make the tier undefined; walk the chain once.
      const seen = new Set([name]);
      for (let t = tier.extends; t !== undefined; t = b.tiers[t]?.extends) {
        if (seen.has(t)) {
          ctx.addIssue({ code: 'custom', path: ['tiers', name, 'extends'], message: `extends forms a cycle through "${t}"` });
          break;
        }
        seen.add(t);
      }
      for (const key of ['rate_limits', 'budgets', 'guardrails'] as const) {
        const ids = new Set<string>();
        tier[key]?.forEach((rule, i) => {
          if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['tiers', name, key, i, 'id'], message: `id "${rule.id}" is used twice in ${key}` });
          ids.add(rule.id);
        });
      }
    }
  });
export type PolicyBundle = z.infer<typeof PolicyBundleSchema>;

/** A tier with `extends` resolved: every section present, defaults applied. */
export interface ResolvedTier {
  name: string;
  metadata: { required: string[] };
  models: { allow: string[]; deny: string[] };
  tools: { allow: string[]; deny: string[] };
  prompts: { allow: string[]; deny: string[] };
  resources: { allow: string[]; deny: string[] };
  virtual_models: Record<string, VirtualModel>;
  rate_limits: RateLimit[];
  budgets: Budget[];
  guardrails: Guardrail[];
  logging: { bodies: 'full' | 'redacted' | 'none'; retention_days: number };
  sync: { push: ('usage' | 'verdicts' | 'bodies')[]; interval_seconds: number };
}

function mergeById<T extends { id: string }>(parent: readonly T[], child: readonly T[] | undefined): T[] {
  if (child === undefined) return [...parent];
  const byId = new Map(child.map((r) => [r.id, r]));
  const merged = parent.map((r) => byId.get(r.id) ?? r);
  const parentIds = new Set(parent.map((r) => r.id));
  return [...merged, ...child.filter((r) => !parentIds.has(r.id))];
}

/** The built-in tier when no policy is configured: everything allowed, nothing limited. */
export function permissiveTier(name: string): ResolvedTier {
  return {
    name,
    metadata: { required: [] },
    models: { allow: ['*'], deny: [] },
    tools: { allow: ['*'], deny: [] },
    prompts: { allow: ['*'], deny: [] },
    resources: { allow: ['*'], deny: [] },
    virtual_models: {},
    rate_limits: [],
    budgets: [],
    guardrails: [],
    logging: { bodies: 'full', retention_days: 30 },
    sync: { push: ['usage', 'verdicts'], interval_seconds: DEFAULT_SYNC_INTERVAL_S },
  };
}

/** Resolves a tier's `extends` chain (the schema has already refused unknown parents and cycles). */
export function resolveTier(bundle: PolicyBundle, name: string): ResolvedTier {
  const spec = bundle.tiers[name];
  if (spec === undefined) {
    throw new Error(`policy has no tier "${name}" (tiers: ${Object.keys(bundle.tiers).join(', ')}): name existing tiers under tiers: in gatehouse.yaml, or add the tier to the policy.`);
  }
  const base = spec.extends === undefined ? permissiveTier(name) : { ...resolveTier(bundle, spec.extends), name };
  return {
    name,
    metadata: spec.metadata ?? base.metadata,
    models: spec.models ?? base.models,
    tools: spec.tools ?? base.tools,
    prompts: spec.prompts ?? base.prompts,
    resources: spec.resources ?? base.resources,
    virtual_models: { ...base.virtual_models, ...spec.virtual_models },
    rate_limits: mergeById(base.rate_limits, spec.rate_limits),
    budgets: mergeById(base.budgets, spec.budgets),
    guardrails: mergeById(base.guardrails, spec.guardrails),
    logging: spec.logging ?? base.logging,
    sync: spec.sync ?? base.sync,
  };
}

/** What one stage decided for one tier; stored with the trace, one per rule that had something to say. */
export const VerdictSchema = z.object({
  tier: z.string(),
  /** Whether this tier's decision shaped the response (the active tier) or was only recorded (a shadow tier). */
  enforced: z.boolean(),
  stage: z.enum(['metadata', 'model_access', 'tool_access', 'budgets', 'rate_limits', 'input_guardrails', 'route', 'output_guardrails', 'mcp_pre_tool', 'mcp_post_tool']),
  /** Rule id, e.g. `pii`, `ide-tokens`, `metadata.ticket_id`, `models.allow`. */
  rule: z.string(),
  decision: z.enum(['allow', 'block', 'mutate']),
  /** The rule's mode: an `audit` rule's block is recorded, never enforced. */
  mode: ModeSchema,
  /** What the rule found, with character spans where it has them. */
  findings: z
    .array(z.object({ type: z.string(), start: z.number().int().optional(), end: z.number().int().optional(), detail: z.string().optional() }))
    .default([]),
  /** One sentence: what happened and how to comply. */
  reason: z.string(),
  /** For a limit or budget block: seconds until the window that blocked ends. */
  retry_after_s: z.number().int().min(0).optional(),
});
export type Verdict = z.infer<typeof VerdictSchema>;
