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

interface FiredRow {
  trace_id: string;
  tier: string;
  rule: string;
  stage: Verdict['stage'];
  decision: Verdict['decision'];
  enforced: number;
}

/** How many of the newest trace ids the summary lists per rule. */
export const NEWEST_IDS = 5;

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
});
export type RuleSummary = z.infer<typeof RuleSummarySchema>;

export const TierSummarySchema = z.object({
  tier: z.string(),
  /** True when this tier shaped the responses (the active tier) rather than being recorded only. */
  enforced: z.boolean(),
  /** Traces in the window where at least one of this tier's rules fired. */
  traces: z.number().int(),
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
  private readonly selectFired: Statement<[string], FiredRow>;

  constructor(db: Database) {
    this.insertRow = db.prepare<unknown[]>(`INSERT INTO verdicts (trace_id, idx, tier, enforced, stage, rule, decision, mode, findings, reason, retry_after_s)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.selectForTrace = db.prepare<[string], VerdictRow>(
      'SELECT tier, enforced, stage, rule, decision, mode, findings, reason, retry_after_s FROM verdicts WHERE trace_id = ? ORDER BY idx',
    );
    // Repeating the partial index's condition lets SQLite walk `verdicts_fired` alone.
    this.selectFired = db.prepare<[string], FiredRow>(`SELECT trace_id, tier, rule, stage, decision, enforced FROM verdicts
      WHERE decision <> 'allow' AND trace_id >= ? ORDER BY trace_id DESC`);
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
    const tiers = new Map<string, { enforced: boolean; traces: Set<string>; rules: Map<string, RuleSummary> }>();
    for (const row of this.selectFired.iterate(uuidv7LowerBound(since))) {
      if (tier !== undefined && row.tier !== tier) continue;
      let t = tiers.get(row.tier);
      if (t === undefined) tiers.set(row.tier, (t = { enforced: row.enforced === 1, traces: new Set(), rules: new Map() }));
      t.traces.add(row.trace_id);
      const key = `${row.stage}\u0000${row.rule}`;
      let r = t.rules.get(key);
      if (r === undefined) t.rules.set(key, (r = { rule: row.rule, stage: row.stage, count: 0, block: 0, mutate: 0, newest_trace_ids: [] }));
      r.count++;
      if (row.decision === 'block') r.block++;
      else r.mutate++;
      const ids = r.newest_trace_ids;
      if (ids.length < NEWEST_IDS && ids[ids.length - 1] !== row.trace_id) ids.push(row.trace_id);
    }
    return [...tiers.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, t]) => ({
        tier: name,
        enforced: t.enforced,
        traces: t.traces.size,
        rules: [...t.rules.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)),
      }));
  }
}
