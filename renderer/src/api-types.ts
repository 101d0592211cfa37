/**
 * The admin API's shapes as the dashboard sees them. Existing endpoints' types come from their
 * zod schemas (`import type` only, so zod is not bundled); the endpoints of issue 7 that this
 * branch does not serve yet mirror the shared contract and switch to
 * `local-gateway/admin/schemas.ts` once it exists.
 */
import type { Trace as StoredTrace, TracePage as StoredTracePage, TraceSummary as StoredTraceSummary } from '../../local-gateway/store/schema';
import type { Verdict } from '../../local-gateway/policy/schema';
import type { PolicyView } from '../../local-gateway/policy/view';
import type { TierChange, TierDiff } from '../../local-gateway/policy/diff';
import type { ReplayReport } from '../../local-gateway/policy/replay';
import type { RuleSummary as StoredRuleSummary, TierSummary as StoredTierSummary } from '../../local-gateway/store/verdicts';

export type { Verdict, PolicyView, TierChange, TierDiff, ReplayReport };
export type Trace = StoredTrace;
export type Finding = Verdict['findings'][number];

/** A non-allow verdict as the trace list carries it (contract: `fired`). */
export interface FiredVerdict {
  tier: string;
  rule: string;
  stage: string;
  decision: 'block' | 'mutate';
  mode: string;
  enforced: boolean;
}

/** A list item: the stored summary plus the contract's `cost_usd` and `fired` (absent before the merge). */
export type TraceSummary = StoredTraceSummary & { cost_usd?: number | null; fired?: FiredVerdict[] };
export type TracePage = Omit<StoredTracePage, 'traces'> & { traces: TraceSummary[] };

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
  since?: string;
  until?: string;
}
export const FILTER_KEYS = ['status', 'model', 'provider', 'rule', 'verdict', 'meta', 'text'] as const;

export interface Status {
  version: string;
  tier: { active: string; shadow: string[] };
  token_source: string;
  identity: { user: string; team: string | null; org?: string | null; source?: string };
  providers: { id: string; kind: string; apis: string[]; models: string[] }[];
}

export type RuleSummary = StoredRuleSummary & {
  top_metadata?: { key: string; value: string; count: number }[];
  top_agents?: { agent: string; count: number }[];
  advice?: string;
};
export type TierSummary = Omit<StoredTierSummary, 'rules'> & { rules: RuleSummary[] };
export interface ShadowSummary {
  since: string;
  traces: number;
  tiers: TierSummary[];
}

export interface ShadowTimeline {
  since: string;
  interval: 'hour' | 'day';
  tier: string;
  series: { bucket: string; rule: string; count: number; block: number; mutate: number }[];
}

export interface UsageTotals {
  requests: number;
  errors: number;
  tokens_in: number;
  tokens_out: number;
  tokens_cached: number;
  cost_usd: number;
}
export type UsageBy = 'none' | 'model' | 'provider' | 'project' | 'team' | 'user';
export interface Usage {
  since: string;
  until: string;
  interval: 'day' | 'hour';
  by: UsageBy;
  buckets: (UsageTotals & { bucket: string; key: string | null })[];
  totals: UsageTotals;
}

export interface Settings {
  providers: { id: string; kind: string; base_url: string; models: string[]; key: { ref: string | null; present: boolean } }[];
  token: { source: 'keychain' | 'file' | 'env' };
  identity: { user: string; team: string | null; org?: string | null; source: string };
  enrollment: { enrolled: boolean; central: string | null };
  setup: Record<'claude-code' | 'codex' | 'cursor' | 'continue', string>;
}

/** Frames of `WS /api/events`, discriminated on `type`. */
export type ServerEvent =
  | { type: 'hello'; version: string; tier: string }
  | { type: 'trace'; trace: TraceSummary }
  | { type: 'policy'; version: number | null; source: string };
