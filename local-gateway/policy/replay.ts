import { z } from 'zod';
import type { Trace } from '../store/schema.js';
import type { TraceStore } from '../store/traces.js';
import { blocks, contentFetchFromTrace, evaluateContentFetch, evaluateRequest, evaluateToolCall, factsFromTrace, isRemoteGuardrail, TierState, toolCallFromTrace, TOOL_STAGES } from './engine/index.js';
import { resolveTier, type PolicyBundle, type Verdict } from './schema.js';

/**
 * Replay: re-evaluates stored traces against a candidate bundle, offline, with the engine's
 * own evaluator, and compares what each rule decides with what was recorded when the request
 * was served. "Would this edit have blocked anyone last week?" answered from real traffic.
 */

/** How many example trace ids a rule's change lists. */
export const EXAMPLES = 5;

/** What a firing does to a request: a limit or budget limits it, any other block blocks it, a mutate changes it. */
export const EffectSchema = z.enum(['blocked', 'limited', 'mutated']);
export type Effect = z.infer<typeof EffectSchema>;

export const RuleReplaySchema = z.object({
  tier: z.string(),
  stage: z.string(),
  rule: z.string(),
  effect: EffectSchema,
  /** Traces it fired on as recorded, and as replayed against the candidate. */
  before: z.number().int(),
  after: z.number().int(),
  /** Traces it fires on now but did not, and the reverse. */
  newly: z.number().int(),
  no_longer: z.number().int(),
  examples: z.object({ newly: z.array(z.string()), no_longer: z.array(z.string()) }),
});
export type RuleReplay = z.infer<typeof RuleReplaySchema>;

export const ReplayReportSchema = z.object({
  org: z.string(),
  version: z.number().int(),
  traces: z.number().int(),
  /** Stored calls the live policy never judged (model lists, bodies refused before it ran): not replayed. */
  not_evaluated: z.number().int(),
  /** Start times of the oldest and newest replayed trace (ISO), null with no traces. */
  from: z.string().nullable(),
  to: z.string().nullable(),
  tiers: z.array(
    z.object({
      tier: z.string(),
      /** Traces a non-audit rule of this tier stopped, as recorded and as replayed. */
      blocked_before: z.number().int(),
      blocked_after: z.number().int(),
    }),
  ),
  /** Rules whose firings change, most changes first; `--all` lists unchanged firing rules too. */
  rules: z.array(RuleReplaySchema),
  /**
   * Guardrails left out of the replay, as `tier/rule`: remote ones (a moderation or content
   * safety service), which would send stored prompts to a third party and pay for each.
   */
  not_replayed: z.array(z.string()),
});
export type ReplayReport = z.infer<typeof ReplayReportSchema>;

export interface ReplayOptions {
  /** Tiers of the candidate to evaluate. */
  tiers: readonly string[];
  /** A stored trace's cost in USD, charged to the budgets it matches; without it budgets only see what is already spent. */
  costOf?: (trace: Trace) => Promise<number | null>;
  onProgress?: (done: number) => void;
}

const STAGE_ORDER: readonly string[] = ['metadata', 'model_access', 'budgets', 'rate_limits', 'input_guardrails', 'route', 'output_guardrails'];

/**
 * What a stored trace cannot tell: the stages after the one where the active tier refused it
 * (they did not run), and the guardrails that scan text the active tier redacted before it
 * was stored: a model call's input guardrails (the stored body is the redacted prompt) and a
 * tool call's `mcp_post_tool` (the stored result is the redacted one).
 */
export function unknownIn(trace: Trace): (stage: string) => boolean {
  const order: readonly string[] = trace.api === 'mcp' ? TOOL_STAGES : STAGE_ORDER;
  const redactedStage = trace.api === 'mcp' ? 'mcp_post_tool' : 'input_guardrails';
  const refused = trace.verdicts.find((v) => v.enforced && blocks(v));
  const lastRun = refused === undefined ? order.length : order.indexOf(refused.stage);
  const redacted = trace.verdicts.some((v) => v.enforced && v.stage === redactedStage && v.decision === 'mutate');
  return (stage) => order.indexOf(stage) > lastRun || (stage === redactedStage && redacted);
}

function effectOf(v: Pick<Verdict, 'stage' | 'decision'>): Effect {
  if (v.decision === 'mutate') return 'mutated';
  return v.stage === 'rate_limits' || v.stage === 'budgets' ? 'limited' : 'blocked';
}

type Fired = Map<string, Pick<Verdict, 'stage' | 'rule' | 'decision'>>;

/** What fired in one tier, keyed by stage, rule and effect. */
function firedIn(verdicts: readonly Verdict[], tier: string): Fired {
  const out: Fired = new Map();
  for (const v of verdicts) if (v.tier === tier && v.decision !== 'allow') out.set(`${v.stage}\u0000${v.rule}\u0000${effectOf(v)}`, v);
  return out;
}

class Tally {
  readonly rules = new Map<string, RuleReplay>();
  readonly blocked = new Map<string, { before: number; after: number }>();

  rule(tier: string, v: Pick<Verdict, 'stage' | 'rule' | 'decision'>): RuleReplay {
    const key = `${tier}\u0000${v.stage}\u0000${v.rule}\u0000${effectOf(v)}`;
    let r = this.rules.get(key);
    if (r === undefined) {
      r = { tier, stage: v.stage, rule: v.rule, effect: effectOf(v), before: 0, after: 0, newly: 0, no_longer: 0, examples: { newly: [], no_longer: [] } };
      this.rules.set(key, r);
    }
    return r;
  }

  /**
   * Compares one tier's recorded and replayed firings on one trace. What was never evaluated
   * when the trace was served cannot be compared: stages after the one that refused the
   * request, and input guardrails once the active tier redacted the stored text. Those count
   * in `before` and `after`, not as changes.
   */
  compare(traceId: string, tier: string, recorded: readonly Verdict[], replayed: readonly Verdict[], unknown: (stage: string) => boolean): void {
    const before = firedIn(recorded, tier);
    const after = firedIn(replayed, tier);
    for (const [key, v] of after) {
      const r = this.rule(tier, v);
      r.after++;
      if (!before.has(key) && !unknown(v.stage)) {
        r.newly++;
        if (r.examples.newly.length < EXAMPLES) r.examples.newly.push(traceId);
      }
    }
    for (const [key, v] of before) {
      const r = this.rule(tier, v);
      r.before++;
      if (!after.has(key) && !unknown(v.stage)) {
        r.no_longer++;
        if (r.examples.no_longer.length < EXAMPLES) r.examples.no_longer.push(traceId);
      }
    }
    const b = this.blocked.get(tier) ?? { before: 0, after: 0 };
    if (recorded.some((v) => v.tier === tier && blocks(v))) b.before++;
    if (replayed.some(blocks)) b.after++;
    this.blocked.set(tier, b);
  }
}

/**
 * Replays traces, oldest first, against the candidate's tiers. Each tier gets fresh counters
 * whose clock is each trace's start time, so limits and budgets count the replayed traffic
 * as it arrived (counting starts at the first replayed trace).
 */
export async function replayTraces(bundle: PolicyBundle, traces: Iterable<Trace>, opts: ReplayOptions, all = false): Promise<ReplayReport> {
  const notReplayed: string[] = [];
  const tiers = opts.tiers.map((name) => {
    const tier = resolveTier(bundle, name);
    const remote = new Set(tier.guardrails.filter(isRemoteGuardrail).map((g) => g.id));
    for (const id of remote) notReplayed.push(`${name}/${id}`);
    const local = remote.size === 0 ? tier : { ...tier, guardrails: tier.guardrails.filter((g) => !remote.has(g.id)) };
    return { tier: local, remote, state: new TierState() };
  });
  const tally = new Tally();
  let count = 0;
  let skipped = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const trace of traces) {
    // A tool call replays on its stored arguments and result, a prompt or resource fetch on its stored answer; the upstream is not called again.
    const tool = trace.api === 'mcp' ? toolCallFromTrace(trace) : null;
    const content = trace.api === 'mcp' && tool === null ? contentFetchFromTrace(trace) : null;
    if (trace.api === 'mcp' ? tool === null && content === null : !wasEvaluated(trace)) {
      skipped++;
      continue;
    }
    const facts = tool?.facts ?? content?.facts ?? factsFromTrace(trace);
    const unknown = unknownIn(trace);
    const costUsd = trace.api === 'mcp' || !opts.costOf ? null : await opts.costOf(trace);
    for (const { tier, remote, state } of tiers) {
      const role = { tier: tier.name, enforced: false };
      const replayed = tool
        ? await evaluateToolCall(tier, facts, tool.call, state, role)
        : content
          ? await evaluateContentFetch(tier, facts, content.result, role)
          : await evaluateRequest(tier, facts, state, { role, costUsd, stream: trace.stream, served: trace.status > 0 && trace.status < 400 });
      // What a left-out rule recorded is not compared: it did not run again.
      const recorded = remote.size === 0 ? trace.verdicts : trace.verdicts.filter((v) => !(v.tier === tier.name && remote.has(v.rule)));
      tally.compare(trace.id, tier.name, recorded, replayed, unknown);
    }
    first ??= trace.started_at;
    last = trace.started_at;
    count++;
    opts.onProgress?.(count);
  }
  const rules = [...tally.rules.values()]
    .filter((r) => all || r.newly + r.no_longer > 0)
    .sort((a, b) => b.newly + b.no_longer - (a.newly + a.no_longer) || a.tier.localeCompare(b.tier) || a.rule.localeCompare(b.rule));
  return {
    org: bundle.org,
    version: bundle.version,
    traces: count,
    not_evaluated: skipped,
    from: first === null ? null : new Date(first).toISOString(),
    to: last === null ? null : new Date(last).toISOString(),
    tiers: opts.tiers.map((tier) => ({ tier, blocked_before: tally.blocked.get(tier)?.before ?? 0, blocked_after: tally.blocked.get(tier)?.after ?? 0 })),
    rules,
    not_replayed: notReplayed,
  };
}

/**
 * Whether the live policy judged the trace: its first policy stage ran (and timed itself).
 * A model list or a body refused as malformed never reached the policy, so replaying it would
 * report refusals that never happened.
 */
export function wasEvaluated(trace: Pick<Trace, 'phases'>): boolean {
  return trace.phases.metadata !== undefined;
}

/** The tiers a replay evaluates by default: the gateway's active and shadow tiers the candidate has, else all of its tiers. */
export function defaultReplayTiers(bundle: PolicyBundle, configured: readonly string[]): string[] {
  const have = configured.filter((t) => t in bundle.tiers);
  return have.length > 0 ? have : Object.keys(bundle.tiers);
}

/** Replays the newest `last` stored traces, oldest first, read one at a time. */
export function replayStore(store: TraceStore, bundle: PolicyBundle, last: number, opts: Omit<ReplayOptions, 'onProgress'> & { onStart?: (total: number) => ReplayOptions['onProgress'] }, all = false): Promise<ReplayReport> {
  const ids = store.newestIds(last);
  function* traces(): Generator<Trace> {
    for (const id of ids) {
      const t = store.get(id);
      if (t !== null) yield t;
    }
  }
  return replayTraces(bundle, traces(), { ...opts, onProgress: opts.onStart?.(ids.length) }, all);
}

/** The report as text: one line per tier, then one per changed rule with example trace ids. */
export function formatReplay(r: ReplayReport): string {
  if (r.traces === 0) return 'No stored traces to replay: send some requests through the gateway first.\n';
  const skipped = r.not_evaluated > 0 ? `; ${r.not_evaluated} calls the policy never judged left out` : '';
  const lines = [`Replayed ${r.traces} traces (${r.from} to ${r.to}) against ${r.org} version ${r.version}${skipped}:`];
  for (const t of r.tiers) lines.push(`  ${t.tier}: ${t.blocked_after} would be stopped (recorded: ${t.blocked_before})`);
  if (r.rules.length === 0) lines.push('No rule fires differently.');
  if (r.not_replayed.length > 0) lines.push(`Not replayed (remote guardrails, which would send stored prompts to their service): ${r.not_replayed.join(', ')}.`);
  for (const x of r.rules) {
    const parts = [];
    if (x.newly > 0) parts.push(`newly ${x.effect} ${x.newly} (e.g. ${x.examples.newly.join(', ')})`);
    if (x.no_longer > 0) parts.push(`no longer ${x.effect} ${x.no_longer} (e.g. ${x.examples.no_longer.join(', ')})`);
    if (parts.length === 0) parts.push(`${x.effect} ${x.after}, as recorded`);
    lines.push(`  ${x.tier} ${x.stage} ${x.rule}: ${parts.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
