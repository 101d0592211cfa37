/**
 * The admin API's shapes as the dashboard sees them, from the gateway's zod schemas
 * (`local-gateway/admin/schemas.ts`), imported as types only so zod is not bundled.
 */
import type { z } from 'zod';
import type {
  Fired,
  GatewayStatus,
  PolicyView,
  ReplayReport,
  RuleSummary,
  ServerEvent,
  Settings,
  ShadowSummarySchema,
  SyncCycleResult,
  SyncStatus,
  TierDiff,
  TierSummary,
  Timeline,
  Trace,
  TracePage,
  TraceSummary,
  UsageBy,
  UsageCounts,
  UsageReport,
  Verdict,
} from '../../local-gateway/admin/schemas';
import type { TierChange } from '../../local-gateway/policy/diff';

export type { SyncCycleResult, SyncStatus };
export type { Verdict, PolicyView, TierChange, TierDiff, ReplayReport, Trace, TraceSummary, TracePage, RuleSummary, TierSummary, Settings, ServerEvent, UsageBy };
export type Finding = Verdict['findings'][number];
/** A non-allow verdict as the trace list carries it. */
export type FiredVerdict = Fired;
export type ShadowSummary = z.infer<typeof ShadowSummarySchema>;
export type ShadowTimeline = Timeline;
export type UsageTotals = UsageCounts;
export type Usage = UsageReport;

/** Query of `GET /api/traces`: the stored filters plus the contract's new ones. */
export interface TraceFilters {
  status?: string;
  model?: string;
  provider?: string;
  rule?: string;
  /** `<tier>:<block|mutate>`, e.g. `prod:block`. */
  verdict?: string;
  /** `key:value`. */
  meta?: string;
  text?: string;
  /** One agent session's turns (a list item's `session`). */
  session?: string;
  since?: string;
  until?: string;
}
export const FILTER_KEYS = ['status', 'model', 'provider', 'rule', 'verdict', 'meta', 'text', 'session'] as const;

/** `GET /api/status`, from its schema. */
export type Status = GatewayStatus;
