import { GatehouseError, type ErrorCode } from '../core/errors.js';
import { blocks, estimateTokens, maxOutputOf, Placeholders, runGuardrails, TierState, chargeBudgets, settleTokens, type RequestFacts, type Role } from '../policy/engine/index.js';
import type { PriceBook } from '../policy/engine/prices.js';
import type { ResolvedTier, Verdict } from '../policy/schema.js';
import type { PolicySource } from '../policy/source.js';
import { standaloneGuardrailRuntime, type GuardrailRuntime } from '../guardrails/remote/runtime.js';
import type { SharedLimits, SpendSource } from '../limits/types.js';
import { Breakers } from './breaker.js';
import type { RequestContext } from './context.js';
import { reconcile, type Reservation } from './shared-limits.js';

/** The policy side of the gateway: where the policy comes from, and each tier's counters. */
export interface PolicyEngine {
  source: PolicySource;
  active: string;
  shadows: readonly string[];
  /** Counters per tier name; they outlive policy changes, as rules keep their ids. */
  states: Map<string, TierState>;
  prices: PriceBook;
  breakers: Breakers;
  clock: () => number;
  random: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** This gateway's guardrail runtime: the checks its rules build, their keys and pools. */
  guardrails: GuardrailRuntime;
  /** The enforced tier's limits and budgets shared with other gateways (`limits.store`); null: in process. */
  shared: SharedLimits | null;
  /** A budget's spend so far, for the shared store to reseed from (the central's rollups); null: this gateway's own counters. */
  spend: SpendSource | null;
}

export interface PolicyEngineOptions {
  source: PolicySource;
  tiers: { active: string; shadow: readonly string[] };
  prices: PriceBook;
  /** The gateway's own; absent, the standalone one (benches, tools without a gateway). */
  guardrails?: GuardrailRuntime;
  shared?: SharedLimits | null;
  spend?: SpendSource | null;
  /** Injected in tests to move windows, breaker cooldowns and backoff without waiting. */
  clock?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function createPolicyEngine(o: PolicyEngineOptions): PolicyEngine {
  const clock = o.clock ?? Date.now;
  return {
    source: o.source,
    active: o.tiers.active,
    shadows: o.tiers.shadow.filter((t) => t !== o.tiers.active),
    states: new Map(),
    prices: o.prices,
    breakers: new Breakers(clock),
    clock,
    random: o.random ?? Math.random,
    sleep: o.sleep,
    guardrails: o.guardrails ?? standaloneGuardrailRuntime(),
    shared: o.shared ?? null,
    spend: o.spend ?? null,
  };
}

export function stateOf(engine: PolicyEngine, tier: string): TierState {
  let s = engine.states.get(tier);
  if (!s) engine.states.set(tier, (s = new TierState(engine.clock)));
  return s;
}

/** One tier as one request sees it. */
export interface TierRun {
  tier: ResolvedTier;
  role: Role;
  state: TierState;
  /** Whether this tier's rate limit counted the request (so the real usage corrects it). */
  counted: boolean;
  /**
   * Whether this tier blocked the request before the provider call. Only a shadow tier can
   * go on after that, and from then on it must count as the tier would had it enforced: its
   * limits and budgets never see the request, and the answer costs it nothing.
   */
  blocked: boolean;
  /**
   * Whether this shadow tier would have ended the streamed answer (an output rule blocking).
   * Enforced, the stream ends as a refusal before the provider reports usage: it counts no
   * tokens and is not priced, so the shadow tier counts it the same way.
   */
  cutStream: boolean;
  /** The placeholders this tier's mutating guardrails put in, shared by the input and output hooks so numbers never clash. */
  names: Placeholders;
  /** What the shared store holds for this request (the enforced tier, `limits.store`): reconciled after the answer, refunded without one. */
  reserved?: Reservation[];
  /** Set when the shared store was out of reach for one of this run's limits and this replica decided alone. */
  localShare?: boolean;
}

/** The policy of one request: read once at its start, so a change mid-request never mixes versions. */
export interface RequestPolicy {
  active: TierRun;
  runs: TierRun[];
  facts: RequestFacts;
  /** The engine's guardrail runtime, which every guardrail of this request runs in. */
  guardrails: GuardrailRuntime;
  /** The engine's shared limit store and clock, for reconciling and refunding. */
  shared: SharedLimits | null;
  clock: () => number;
}

/** The request's message texts, and the token estimate made from them. */
export function setInput(rp: RequestPolicy, body: Record<string, unknown>, input: string[]): void {
  rp.facts.input = input;
  rp.facts.estimatedTokens = estimateTokens(input, maxOutputOf(body));
}

export function beginPolicy(engine: PolicyEngine, ctx: RequestContext, body: Record<string, unknown>, input: string[]): RequestPolicy {
  const policy = engine.source.current();
  ctx.policyVersion = policy.source === 'org' ? (policy.bundle?.version ?? null) : null;
  const runs: TierRun[] = [engine.active, ...engine.shadows].map((name, i) => ({
    tier: policy.tiers.get(name)!,
    role: { tier: name, enforced: i === 0 },
    state: stateOf(engine, name),
    counted: false,
    blocked: false,
    cutStream: false,
    // Reads the texts when a first value is named, once `facts` below holds them.
    names: new Placeholders(() => facts.input),
  }));
  const facts: RequestFacts = {
    api: ctx.api,
    model: typeof body.model === 'string' ? body.model : '',
    resolvedModel: null,
    user: ctx.user,
    team: ctx.team,
    metadata: ctx.metadata,
    input,
    output: null,
    estimatedTokens: estimateTokens(input, maxOutputOf(body)),
    tokensIn: null,
    tokensOut: null,
    at: engine.clock(),
  };
  return { active: runs[0]!, runs, facts, guardrails: engine.guardrails, shared: engine.shared, clock: engine.clock };
}

const REFUSALS: Partial<Record<Verdict['stage'], ErrorCode>> = {
  metadata: 'GH_ERR_METADATA_REQUIRED',
  model_access: 'GH_ERR_MODEL_NOT_ALLOWED',
  tool_access: 'GH_ERR_TOOL_NOT_ALLOWED',
  budgets: 'GH_ERR_BUDGET_EXCEEDED',
  rate_limits: 'GH_ERR_RATE_LIMITED',
  input_guardrails: 'GH_ERR_GUARDRAIL_BLOCKED',
  output_guardrails: 'GH_ERR_GUARDRAIL_BLOCKED',
};

/** The coded refusal for the active tier's blocking verdicts of one stage: it names the rules and how to comply. */
export function refusal(blocking: readonly Verdict[]): GatehouseError {
  const first = blocking[0]!;
  const code = REFUSALS[first.stage] ?? 'GH_ERR_GUARDRAIL_BLOCKED';
  const retry = Math.max(0, ...blocking.map((v) => v.retry_after_s ?? 0));
  const headers: Record<string, string> = retry > 0 ? { 'retry-after': String(retry) } : {};
  if (first.stage === 'metadata') {
    const keys = blocking.map((v) => v.rule.slice('metadata.'.length));
    const example = JSON.stringify(Object.fromEntries(keys.map((k) => [k, '…'])));
    return new GatehouseError(code, `${first.tier} requires metadata key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}: send x-gatehouse-metadata: ${example} with the request.`);
  }
  return new GatehouseError(code, blocking.map((v) => v.reason).join(' '), { headers, param: first.stage === 'model_access' ? 'model' : null });
}

/** Records a stage's verdicts for every tier, then refuses the request if the active tier blocks. */
export function applyVerdicts(ctx: RequestContext, perTier: readonly Verdict[][], runs?: readonly TierRun[]): void {
  for (const v of perTier) ctx.verdicts.push(...v);
  if (runs) perTier.forEach((v, i) => (runs[i]!.blocked ||= v.some(blocks)));
  const blocking = (perTier[0] ?? []).filter(blocks);
  if (blocking.length > 0) throw refusal(blocking);
}

/** A policy check of one stage for one tier: the same function for the active tier and every shadow tier. */
export type TierCheck = (tier: ResolvedTier, facts: RequestFacts, state: TierState, role: Role) => Verdict[];

/** Runs one of the policy stages before the provider call for the active tier and every shadow tier. */
export function runStage(ctx: RequestContext, rp: RequestPolicy, stage: 'metadata' | 'model_access' | 'budgets' | 'rate_limits', check: TierCheck): void {
  const perTier = rp.runs.map((run) => {
    // A tier that enforced would have stopped already: its counters must not see the request.
    // Its stateless rules still run, so the prod preview lists everything prod objects to.
    if (run.blocked && COUNTING_STAGES.has(stage)) return [];
    const v = check(run.tier, rp.facts, run.state, run.role);
    if (stage === 'rate_limits') run.counted = !v.some(blocks);
    return v;
  });
  applyVerdicts(ctx, perTier, rp.runs);
}

/** The stages that count a request against a tier's state. */
const COUNTING_STAGES: ReadonlySet<string> = new Set(['budgets', 'rate_limits']);

/**
 * Runs a hook's guardrails for every tier in parallel. Each tier scans the texts as the
 * client sent them; only the active tier's mutations are returned, to apply. With
 * `recordOnly` (an output already streamed to the client) nothing is enforced.
 */
export async function guardrailStage(
  ctx: RequestContext,
  rp: RequestPolicy,
  hook: 'llm_input' | 'llm_output',
  texts: string[],
  recordOnly = false,
): Promise<string[]> {
  const outcomes = await Promise.all(
    rp.runs.map((run) => runGuardrails(run.tier, hook, rp.facts, texts, recordOnly ? { ...run.role, enforced: false } : run.role, run.names, rp.guardrails)),
  );
  const perTier = outcomes.map((o) => o.verdicts);
  if (recordOnly) for (const v of perTier) ctx.verdicts.push(...v);
  // An output block comes after the provider call: by then every tier was charged, as in prod.
  else applyVerdicts(ctx, perTier, hook === 'llm_input' ? rp.runs : undefined);
  // Only what the active tier took out of the prompt comes back: a value an output guardrail
  // redacted from the answer stays redacted, and shadow tiers never change the answer.
  if (hook === 'llm_input') for (const [p, v] of rp.active.names.restorable) ctx.placeholders.set(p, v);
  return outcomes[0]!.texts;
}

/** Whether any tier has rules for a hook, so a request without any skips extracting texts. */
export function hasHook(rp: RequestPolicy, hook: 'llm_input' | 'llm_output'): boolean {
  return rp.runs.some((r) => r.tier.guardrails.some((g) => g.hook === hook));
}

/** A request refused or failed before any answer used no tokens: take its estimate off. */
export function release(rp: RequestPolicy): void {
  for (const run of rp.runs) {
    if (run.reserved) void reconcile(rp.shared!, rp.clock(), run, 0, 0);
    else if (run.counted) settleTokens(run.tier, rp.facts, run.state, 0);
    run.counted = false;
  }
}

/**
 * Prices a served request into `ctx.costUsd` (the trace keeps it). At once when the model's
 * rate is known; a promise only for a model's first price lookup. A price that cannot be
 * found leaves the cost null rather than failing a request that was answered.
 */
export function priceCall(engine: PolicyEngine, ctx: RequestContext): Promise<void> | undefined {
  if (ctx.usage === null || !ctx.provider || !ctx.upstreamModel) return undefined;
  const model = `${ctx.provider.id}/${ctx.upstreamModel}`;
  const tokensIn = ctx.usage.input ?? 0;
  const tokensOut = ctx.usage.output ?? 0;
  const now = engine.prices.costNow(model, tokensIn, tokensOut);
  if (now !== undefined) {
    ctx.costUsd = now;
    return undefined;
  }
  return engine.prices.cost(model, ctx.provider.kind, tokensIn, tokensOut).then(
    (usd) => void (ctx.costUsd = usd),
    () => void (ctx.costUsd = null),
  );
}

/**
 * After the answer: token limits move from the estimate to the real usage, budgets get the
 * real cost. Awaited before the last bytes go out, so the caller's next request sees it.
 * Returns a promise only when the answer's price needs looking up; otherwise it is done on return.
 */
export function settle(engine: PolicyEngine, ctx: RequestContext, rp: RequestPolicy): Promise<void> | undefined {
  const served = ctx.usage !== null;
  const tokensIn = ctx.usage?.input ?? 0;
  const tokensOut = ctx.usage?.output ?? 0;
  for (const run of rp.runs) {
    // Reconciled in the shared store once priced (below).
    if (run.reserved) continue;
    // No usage from a served request: the estimate stands; a request never served used nothing.
    // Nor did one a shadow tier blocked: enforced, it would not have been served.
    if (run.counted && (run.blocked || run.cutStream)) settleTokens(run.tier, rp.facts, run.state, 0);
    else if (run.counted && (served || ctx.status >= 400)) settleTokens(run.tier, rp.facts, run.state, tokensIn + tokensOut);
  }
  const charge = (): Promise<void> | undefined => {
    const usd = ctx.costUsd;
    // The in-process counters keep this gateway's own spend too: what a budget reseeds from without rollups.
    if (usd !== null) for (const run of rp.runs) if (!run.blocked && !run.cutStream && run.tier.budgets.length > 0) chargeBudgets(run.tier, rp.facts, run.state, usd);
    const shared = rp.runs.filter((r) => r.reserved);
    if (shared.length === 0) return undefined;
    const tokens = served ? tokensIn + tokensOut : ctx.status >= 400 ? 0 : null;
    return Promise.all(shared.map((run) => reconcile(rp.shared!, rp.clock(), run, run.cutStream ? 0 : tokens, run.cutStream ? 0 : (usd ?? 0)))).then(() => undefined);
  };
  const pricing = priceCall(engine, ctx);
  if (pricing === undefined) return charge();
  return pricing.then(charge);
}

const firing = (v: Verdict) => v.decision !== 'allow';
const keyOf = (v: Verdict) => `${v.stage}|${v.rule}|${v.decision}|${v.mode === 'audit' ? 'audit' : 'act'}`;

/**
 * `x-gatehouse-shadow` values, one per shadow tier that would have decided differently from
 * the active tier: `prod; would=block; rules=pii,metadata.ticket_id`. `would` is the
 * strongest difference: block, mutate, or audit (its rules only record).
 */
export function shadowHeaders(ctx: RequestContext): string[] {
  const active = new Set(ctx.verdicts.filter((v) => v.tier === ctx.tier && firing(v)).map(keyOf));
  const byTier = new Map<string, Verdict[]>();
  for (const v of ctx.verdicts) {
    if (v.tier === ctx.tier || !firing(v) || active.has(keyOf(v))) continue;
    byTier.set(v.tier, [...(byTier.get(v.tier) ?? []), v]);
  }
  return [...byTier].map(([tier, vs]) => {
    const acting = vs.filter((v) => v.mode !== 'audit');
    const would = acting.some((v) => v.decision === 'block') ? 'block' : acting.length > 0 ? 'mutate' : 'audit';
    return `${tier}; would=${would}; rules=${[...new Set(vs.map((v) => v.rule))].join(',')}`;
  });
}
