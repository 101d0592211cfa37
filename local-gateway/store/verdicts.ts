import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { uuidv7LowerBound } from '../core/ids.js';
import type { Verdict } from '../policy/schema.js';

interface VerdictRow {
  tier: string;
  enforced: number;
  stage: Verdict['stage'];
  rule: string;
  decision: Verdict['decision'];
  mode: Verdict['mode'];
  findings: string;
  reason: string;
  retry_after_s: number | null;
}

interface RuleRow {
  tier: string;
  stage: Verdict['stage'];
  rule: string;
  n: number;
  block: number;
  enforced: number;
}

/** How many of the newest trace ids the summary lists per rule. */
export const NEWEST_IDS = 5;
/** How many metadata pairs and agents the summary lists per rule. */
export const TOP = 5;

type RuleParams = [string, string, string, string];

/** One bucket of a tier's firings per rule, for the prod-preview chart. */
export interface TimelineRow {
  bucket: string;
  rule: string;
  count: number;
  block: number;
  mutate: number;
}

/** UTC bucket labels: the day, or the ISO hour. */
export const BUCKET_FORMAT = { day: '%Y-%m-%d', hour: '%Y-%m-%dT%H:00:00Z' } as const;

/** One rule's firings in a window: how often it blocked or mutated, and where to look. */
export const RuleSummarySchema = z.object({
  rule: z.string(),
  stage: z.string(),
  /** Firings in all (block + mutate). */
  count: z.number().int(),
  block: z.number().int(),
  mutate: z.number().int(),
  /** Newest first. */
  newest_trace_ids: z.array(z.string()),
  /** The metadata pairs most often behind the firings (traces counted once), at most five. */
  top_metadata: z.array(z.object({ key: z.string(), value: z.string(), count: z.number().int() })),
  /** The callers' agents (user-agents: the workflows) behind the firings, most first, at most five. */
  top_agents: z.array(z.object({ agent: z.string().nullable(), count: z.number().int() })),
  /** The newest firing's reason: what happened and how to comply. */
  advice: z.string(),
});
export type RuleSummary = z.infer<typeof RuleSummarySchema>;

export const TierSummarySchema = z.object({
  tier: z.string(),
  /** True when this tier shaped the responses (the active tier) rather than being recorded only. */
  enforced: z.boolean(),
  /** Traces in the window where at least one of this tier's rules fired. */
  traces: z.number().int(),
  /** Of those, the traces this tier refused or would have refused: a block by a rule not in audit mode. */
  blocked: z.number().int(),
  rules: z.array(RuleSummarySchema),
});
export type TierSummary = z.infer<typeof TierSummarySchema>;

/**
 * The verdicts of each trace, one row per verdict. Written in the trace's own transaction
 * (by the trace store), read back with the trace and summarised per tier and rule.
 */
export class VerdictStore {
  private readonly insertRow: Statement<unknown[]>;
  private readonly selectForTrace: Statement<[string], VerdictRow>;
  private readonly selectRules: Statement<[string, string | null, string | null], RuleRow>;
  private readonly selectTierTraces: Statement<[string, string | null, string | null], { tier: string; traces: number; blocked: number }>;
  private readonly selectNewest: Statement<[string, string, string, string, number], string>;
  private readonly selectTopMetadata: Statement<RuleParams, { key: string; value: string; count: number }>;
  private readonly selectTopAgents: Statement<RuleParams, { agent: string | null; count: number }>;
  private readonly selectAdvice: Statement<RuleParams, string>;
  private readonly selectTimeline: Record<keyof typeof BUCKET_FORMAT, Statement<[string, string], Omit<TimelineRow, 'mutate'>>>;

  constructor(db: Database) {
    this.insertRow = db.prepare<unknown[]>(`INSERT INTO verdicts (trace_id, idx, tier, enforced, stage, rule, decision, mode, findings, reason, retry_after_s)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.selectForTrace = db.prepare<[string], VerdictRow>(
      'SELECT tier, enforced, stage, rule, decision, mode, findings, reason, retry_after_s FROM verdicts WHERE trace_id = ? ORDER BY idx',
    );
    // Repeating the partial index's condition lets SQLite walk `verdicts_fired` alone; the
    // counting happens in SQLite, so a window of 100k firings costs no JS object per row.
    const fired = `FROM verdicts WHERE decision <> 'allow' AND trace_id >= ? AND (? IS NULL OR tier = ?)`;
    this.selectRules = db.prepare(`SELECT tier, stage, rule, count(*) AS n, sum(decision = 'block') AS block, max(enforced) AS enforced
      ${fired} GROUP BY tier, stage, rule`);
    this.selectTierTraces = db.prepare(`SELECT tier, count(DISTINCT trace_id) AS traces,
      count(DISTINCT CASE WHEN decision = 'block' AND mode <> 'audit' THEN trace_id END) AS blocked ${fired} GROUP BY tier`);
    this.selectNewest = db
      .prepare<[string, string, string, string, number], string>(`SELECT DISTINCT trace_id FROM verdicts
        WHERE decision <> 'allow' AND trace_id >= ? AND tier = ? AND stage = ? AND rule = ? ORDER BY trace_id DESC LIMIT ?`)
      .pluck();
    // The firings of one rule in a window, joined to their traces for who and what was behind them.
    const ruleFirings = `FROM verdicts v JOIN traces t ON t.id = v.trace_id
      WHERE v.decision <> 'allow' AND v.trace_id >= ? AND v.tier = ? AND v.stage = ? AND v.rule = ?`;
    this.selectTopMetadata = db.prepare(`SELECT j.key AS key, j.value AS value, count(DISTINCT v.trace_id) AS count
      ${ruleFirings.replace('JOIN traces t ON t.id = v.trace_id', 'JOIN traces t ON t.id = v.trace_id, json_each(t.metadata) j')}
      GROUP BY j.key, j.value ORDER BY count DESC, j.key, j.value LIMIT ${TOP}`);
    this.selectTopAgents = db.prepare(`SELECT json_extract(t.caller, '$.agent') AS agent, count(DISTINCT v.trace_id) AS count
      ${ruleFirings} GROUP BY agent ORDER BY count DESC, agent LIMIT ${TOP}`);
    this.selectAdvice = db
      .prepare<RuleParams, string>(`SELECT reason FROM verdicts v WHERE v.decision <> 'allow' AND v.trace_id >= ? AND v.tier = ? AND v.stage = ? AND v.rule = ?
        ORDER BY v.trace_id DESC, v.idx DESC LIMIT 1`)
      .pluck();
    const timeline = (format: string) =>
      db.prepare<[string, string], Omit<TimelineRow, 'mutate'>>(`SELECT strftime('${format}', t.started_at / 1000, 'unixepoch') AS bucket, v.rule AS rule,
        count(*) AS count, sum(v.decision = 'block') AS block
        FROM verdicts v JOIN traces t ON t.id = v.trace_id
        WHERE v.decision <> 'allow' AND v.trace_id >= ? AND v.tier = ? GROUP BY bucket, v.rule ORDER BY bucket, v.rule`);
    this.selectTimeline = { day: timeline(BUCKET_FORMAT.day), hour: timeline(BUCKET_FORMAT.hour) };
  }

  /** Must run inside the transaction that inserts the trace. */
  put(traceId: string, verdicts: readonly Verdict[]): void {
    verdicts.forEach((v, i) => {
      this.insertRow.run(traceId, i, v.tier, v.enforced ? 1 : 0, v.stage, v.rule, v.decision, v.mode, JSON.stringify(v.findings), v.reason, v.retry_after_s ?? null);
    });
  }

  forTrace(traceId: string): Verdict[] {
    return this.selectForTrace.all(traceId).map((r) => {
      const v: Verdict = {
        tier: r.tier,
        enforced: r.enforced === 1,
        stage: r.stage,
        rule: r.rule,
        decision: r.decision,
        mode: r.mode,
        findings: JSON.parse(r.findings) as Verdict['findings'],
        reason: r.reason,
      };
      if (r.retry_after_s !== null) v.retry_after_s = r.retry_after_s;
      return v;
    });
  }

  /**
   * What fired (block or mutate) per tier and rule in the traces started at or after `since`
   * (Unix ms), newest first. Tiers in name order, rules by count, most first.
   */
  summary(since: number, tier?: string): TierSummary[] {
    const bound = uuidv7LowerBound(since);
    const only = tier ?? null;
    const tiers = new Map<string, TierSummary>();
    for (const row of this.selectTierTraces.all(bound, only, only)) tiers.set(row.tier, { tier: row.tier, enforced: false, traces: row.traces, blocked: row.blocked, rules: [] });
    for (const r of this.selectRules.all(bound, only, only)) {
      const t = tiers.get(r.tier)!;
      t.enforced ||= r.enforced === 1;
      const which: RuleParams = [bound, r.tier, r.stage, r.rule];
      t.rules.push({
        rule: r.rule,
        stage: r.stage,
        count: r.n,
        block: r.block,
        mutate: r.n - r.block,
        newest_trace_ids: this.selectNewest.all(...which, NEWEST_IDS),
        top_metadata: this.selectTopMetadata.all(...which),
        top_agents: this.selectTopAgents.all(...which),
        advice: this.selectAdvice.get(...which) ?? '',
      });
    }
    for (const t of tiers.values()) t.rules.sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule));
    return [...tiers.values()].sort((a, b) => a.tier.localeCompare(b.tier));
  }

  /** A tier's firings per rule and UTC bucket, for traces started at or after `since` (Unix ms). */
  timeline(since: number, tier: string, interval: keyof typeof BUCKET_FORMAT): TimelineRow[] {
    return this.selectTimeline[interval].all(uuidv7LowerBound(since), tier).map((r) => ({ ...r, mutate: r.count - r.block }));
  }
}
