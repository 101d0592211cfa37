import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { globMatch } from './engine/match.js';
import type { Budget, Guardrail, Mode, RateLimit, ResolvedTier } from './schema.js';

/**
 * What moving from one tier to another changes, rule by rule: the step from dev to prod made
 * visible. One pure function serves `gatehouse policy diff` and `GET /api/policy/diff`.
 */

export const SECTIONS = ['metadata', 'models', 'tools', 'prompts', 'resources', 'virtual_models', 'rate_limits', 'budgets', 'guardrails', 'logging', 'sync'] as const;

export const TierChangeSchema = z.object({
  section: z.enum(SECTIONS),
  /** The rule id, or the setting: `metadata.ticket_id`, `models.allow`, `ide-tokens`, `logging.bodies`. */
  rule: z.string(),
  /** `added`/`removed`: the rule exists in one tier only; `tightened`/`loosened`: it is stricter/laxer in `to`. */
  change: z.enum(['added', 'removed', 'tightened', 'loosened', 'changed']),
  /** One sentence about the `to` tier. */
  detail: z.string(),
});
export type TierChange = z.infer<typeof TierChangeSchema>;

export const TierDiffSchema = z.object({
  from: z.string(),
  to: z.string(),
  changes: z.array(TierChangeSchema),
  counts: z.object({ added: z.number(), removed: z.number(), tightened: z.number(), loosened: z.number(), changed: z.number() }),
  /** The step in three numbers, the headline of `gatehouse policy diff` and of the dashboard's diff (see `stepOf`). */
  summary: z.object({ tighten: z.number(), loosen: z.number(), change: z.number() }),
});
export type TierDiff = z.infer<typeof TierDiffSchema>;

const MODE_RANK: Record<Mode, number> = { audit: 0, enforce: 1, strict: 2 };
const BODIES_RANK = { full: 0, redacted: 1, none: 2 } as const;
const CALENDAR_S: Record<string, number> = { minute: 60, hour: 3600, day: 86_400, week: 604_800, month: 2_592_000 };
const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A window in seconds; a calendar month counts as 30 days, which is enough to compare rates. */
export function periodSeconds(per: string): number {
  const m = /^(\d+)([smhd])$/.exec(per);
  return m ? Number(m[1]) * UNIT_S[m[2]!]! : (CALENDAR_S[per] ?? Number.NaN);
}

/**
 * Which way one change moves a caller's lot: a rule added or made stricter tightens, one removed
 * or made laxer loosens. A virtual model added or removed only routes a name elsewhere (what a
 * caller may use is `models.allow`/`deny`, diffed on its own), so it is a plain change.
 */
export function stepOf(c: TierChange): keyof TierDiff['summary'] {
  if (c.change === 'changed' || c.section === 'virtual_models') return 'change';
  return c.change === 'tightened' || c.change === 'added' ? 'tighten' : 'loosen';
}

type Emit = (section: TierChange['section'], rule: string, change: TierChange['change'], detail: string) => void;

export function diffTiers(a: ResolvedTier, b: ResolvedTier): TierDiff {
  const changes: TierChange[] = [];
  const emit: Emit = (section, rule, change, detail) => void changes.push({ section, rule, change, detail });
  diffMetadata(a, b, emit);
  diffAccess('models', a, b, emit);
  diffAccess('tools', a, b, emit);
  diffAccess('prompts', a, b, emit);
  diffAccess('resources', a, b, emit);
  diffVirtualModels(a, b, emit);
  diffRules('rate_limits', a.rate_limits, b.rate_limits, describeRateLimit, compareRateLimit, emit);
  diffRules('budgets', a.budgets, b.budgets, describeBudget, compareBudget, emit);
  diffRules('guardrails', a.guardrails, b.guardrails, describeGuardrail, compareGuardrail, emit);
  diffLogging(a, b, emit);
  const counts = { added: 0, removed: 0, tightened: 0, loosened: 0, changed: 0 };
  const summary = { tighten: 0, loosen: 0, change: 0 };
  for (const c of changes) {
    counts[c.change]++;
    summary[stepOf(c)]++;
  }
  return { from: a.name, to: b.name, changes, counts, summary };
}

function diffMetadata(a: ResolvedTier, b: ResolvedTier, emit: Emit): void {
  for (const key of b.metadata.required) {
    if (!a.metadata.required.includes(key)) emit('metadata', `metadata.${key}`, 'added', `${b.name} requires metadata key ${key}`);
  }
  for (const key of a.metadata.required) {
    if (!b.metadata.required.includes(key)) emit('metadata', `metadata.${key}`, 'removed', `${b.name} no longer requires metadata key ${key}`);
  }
}

/** Whether a glob is already covered by one of a list (`*` covers `openai/*`). */
const covered = (glob: string, by: readonly string[]) => by.some((g) => globMatch(g, glob));

/** An allow/deny glob list (`models`, MCP `tools`, `prompts`, `resources`): a glob dropped from allow tightens unless another still covers it; deny the other way. */
function diffAccess(section: 'models' | 'tools' | 'prompts' | 'resources', a: ResolvedTier, b: ResolvedTier, emit: Emit): void {
  const x = a[section];
  const y = b[section];
  for (const p of x.allow) {
    if (!y.allow.includes(p)) emit(section, `${section}.allow`, covered(p, y.allow) ? 'changed' : 'tightened', `${b.name} no longer lists "${p}" (allows ${list(y.allow)})`);
  }
  for (const p of y.allow) {
    if (!x.allow.includes(p)) emit(section, `${section}.allow`, covered(p, x.allow) ? 'changed' : 'loosened', `${b.name} also lists "${p}"`);
  }
  for (const p of y.deny) if (!x.deny.includes(p)) emit(section, `${section}.deny`, 'tightened', `${b.name} denies "${p}"`);
  for (const p of x.deny) if (!y.deny.includes(p)) emit(section, `${section}.deny`, 'loosened', `${b.name} no longer denies "${p}"`);
}

function diffVirtualModels(a: ResolvedTier, b: ResolvedTier, emit: Emit): void {
  for (const [name, vm] of Object.entries(b.virtual_models)) {
    const targets = vm.targets.map((t) => t.model).join(' → ');
    const before = a.virtual_models[name];
    if (before === undefined) emit('virtual_models', name, 'added', `${b.name} routes ${name} to ${targets}`);
    else if (!isDeepStrictEqual(before, vm)) emit('virtual_models', name, 'changed', `${b.name} routes ${name} differently: ${targets}, fallback on ${vm.fallback_on.join(', ')}`);
  }
  for (const name of Object.keys(a.virtual_models)) {
    if (!(name in b.virtual_models)) emit('virtual_models', name, 'removed', `${b.name} has no virtual model ${name}`);
  }
}

type Section = 'rate_limits' | 'budgets' | 'guardrails';

/** Id-keyed rules: added, removed, then what changed in each rule both tiers have, and its position (first match wins). */
function diffRules<R extends { id: string }>(
  section: Section,
  a: readonly R[],
  b: readonly R[],
  describe: (r: R) => string,
  compare: (x: R, y: R, say: (change: TierChange['change'], detail: string) => void) => void,
  emit: Emit,
): void {
  const before = new Map(a.map((r, i) => [r.id, { rule: r, at: i }]));
  const afterIds = new Set(b.map((r) => r.id));
  b.forEach((rule, i) => {
    const old = before.get(rule.id);
    if (old === undefined) {
      emit(section, rule.id, 'added', describe(rule));
      return;
    }
    compare(old.rule, rule, (change, detail) => emit(section, rule.id, change, detail));
    if (section === 'rate_limits' && old.at !== i) emit(section, rule.id, 'changed', `moved from position ${old.at + 1} to ${i + 1} (the first matching rate limit wins)`);
  });
  for (const r of a) if (!afterIds.has(r.id)) emit(section, r.id, 'removed', `no longer has ${describe(r)}`);
}

function compareMode(x: Mode, y: Mode, say: (change: TierChange['change'], detail: string) => void): void {
  if (MODE_RANK[y] > MODE_RANK[x]) say('tightened', `mode escalated from ${x} to ${y}`);
  else if (MODE_RANK[y] < MODE_RANK[x]) say('loosened', `mode relaxed from ${x} to ${y}`);
}

/** Same match and scope; anything else about which requests a rule counts is a plain change. */
function compareReach<R extends RateLimit | Budget>(x: R, y: R, say: (change: TierChange['change'], detail: string) => void): void {
  if (!isDeepStrictEqual(x.scope, y.scope)) say('changed', `scope changed from ${scopeText(x.scope)} to ${scopeText(y.scope)}`);
  if (!isDeepStrictEqual(x.when, y.when)) say('changed', `applies to ${whenText(y.when)} (was ${whenText(x.when)})`);
}

function compareRateLimit(x: RateLimit, y: RateLimit, say: (change: TierChange['change'], detail: string) => void): void {
  const ux = x.limit.requests === undefined ? 'tokens' : 'requests';
  const uy = y.limit.requests === undefined ? 'tokens' : 'requests';
  const from = limitText(x);
  const to = limitText(y);
  if (ux !== uy) say('changed', `limit changed from ${from} to ${to}`);
  else compareRate(x.limit[ux]! / periodSeconds(x.limit.per), y.limit[uy]! / periodSeconds(y.limit.per), from, to, say);
  compareReach(x, y, say);
  compareMode(x.mode, y.mode, say);
}

function compareBudget(x: Budget, y: Budget, say: (change: TierChange['change'], detail: string) => void): void {
  const from = `$${x.limit.usd} per ${x.limit.per}`;
  const to = `$${y.limit.usd} per ${y.limit.per}`;
  compareRate(x.limit.usd / periodSeconds(x.limit.per), y.limit.usd / periodSeconds(y.limit.per), from, to, say);
  compareReach(x, y, say);
  compareMode(x.mode, y.mode, say);
}

function compareRate(rx: number, ry: number, from: string, to: string, say: (change: TierChange['change'], detail: string) => void): void {
  if (ry < rx) say('tightened', `limit lowered from ${from} to ${to}`);
  else if (ry > rx) say('loosened', `limit raised from ${from} to ${to}`);
  else if (from !== to) say('changed', `limit rewritten from ${from} to ${to} (the same rate)`);
}

function compareGuardrail(x: Guardrail, y: Guardrail, say: (change: TierChange['change'], detail: string) => void): void {
  if (x.type !== y.type || x.hook !== y.hook) say('changed', `now a ${y.type} guardrail on ${y.hook} (was ${x.type} on ${x.hook})`);
  if (x.action !== y.action) say('changed', `action changed from ${x.action} to ${y.action}`);
  compareMode(x.mode, y.mode, say);
  if (!isDeepStrictEqual(x.when, y.when)) say('changed', `applies to ${whenText(y.when)} (was ${whenText(x.when)})`);
  if (!isDeepStrictEqual(x.config, y.config)) say('changed', 'config changed');
}

function diffLogging(a: ResolvedTier, b: ResolvedTier, emit: Emit): void {
  const x = a.logging.bodies;
  const y = b.logging.bodies;
  if (BODIES_RANK[y] > BODIES_RANK[x]) emit('logging', 'logging.bodies', 'tightened', `bodies are logged ${y} (was ${x})`);
  else if (BODIES_RANK[y] < BODIES_RANK[x]) emit('logging', 'logging.bodies', 'loosened', `bodies are logged ${y} (was ${x})`);
  const rx = a.logging.retention_days;
  const ry = b.logging.retention_days;
  if (ry !== rx) emit('logging', 'logging.retention_days', ry < rx ? 'tightened' : 'loosened', `traces are kept ${ry} days (was ${rx})`);
  const added = b.sync.push.filter((p) => !a.sync.push.includes(p));
  const removed = a.sync.push.filter((p) => !b.sync.push.includes(p));
  if (added.length + removed.length > 0) emit('sync', 'sync.push', 'changed', `pushes ${list(b.sync.push)} to the org (was ${list(a.sync.push)})`);
}

function limitText(r: RateLimit): string {
  return r.limit.requests === undefined ? `${r.limit.tokens} tokens per ${r.limit.per}` : `${r.limit.requests} requests per ${r.limit.per}`;
}

function scopeText(scope: readonly string[]): string {
  return scope.length === 0 ? 'everyone together' : `each ${scope.join(' + ')}`;
}

function whenText(when: RateLimit['when']): string {
  if (when === undefined) return 'every request';
  const parts = [
    ...Object.entries(when.metadata ?? {}).map(([k, v]) => `metadata.${k}=${v}`),
    ...(when.models ? [`models ${list(when.models)}`] : []),
    ...(when.users ? [`users ${list(when.users)}`] : []),
    ...(when.teams ? [`teams ${list(when.teams)}`] : []),
    ...(when.tools ? [`tools ${list(when.tools)}`] : []),
  ];
  return parts.length === 0 ? 'every request' : parts.join(', ');
}

function list(items: readonly string[]): string {
  return items.length === 0 ? 'nothing' : items.join(', ');
}

function describeRateLimit(r: RateLimit): string {
  return `rate limit ${limitText(r)} for ${scopeText(r.scope)} on ${whenText(r.when)} (${r.mode})`;
}

function describeBudget(b: Budget): string {
  return `budget $${b.limit.usd} per ${b.limit.per} for ${scopeText(b.scope)} on ${whenText(b.when)} (${b.mode})`;
}

function describeGuardrail(g: Guardrail): string {
  return `guardrail ${g.type} on ${g.hook}: ${g.action} (${g.mode})`;
}
