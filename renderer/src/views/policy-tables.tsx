import type { ReactNode } from 'react';
import type { TierChange } from '../api-types';
import type { Budget, Guardrail, Match, RateLimit, ResolvedTier } from '../../../local-gateway/policy/schema';

/** A tier section as the policy names it (`TierChange['section']`). */
export type SectionName = TierChange['section'];

const list = (items: readonly (string | number)[]) => (items.length === 0 ? 'none' : items.join(', '));
const scope = (s: readonly string[]) => (s.length === 0 ? 'everyone together' : `each ${s.join(' + ')}`);

/** A rule's `when`, in the words `gatehouse policy diff` uses. */
function when(m: Match | undefined): string {
  if (m === undefined) return 'every request';
  const parts = [
    ...Object.entries(m.metadata ?? {}).map(([k, v]) => `metadata.${k}=${v}`),
    ...(m.models ? [`models ${list(m.models)}`] : []),
    ...(m.users ? [`users ${list(m.users)}`] : []),
    ...(m.teams ? [`teams ${list(m.teams)}`] : []),
    ...(m.tools ? [`tools ${list(m.tools)}`] : []),
  ];
  return parts.length === 0 ? 'every request' : parts.join(', ');
}

interface Rows {
  head: string[];
  rows: { id: string; cells: ReactNode[] }[];
}

const mode = (m: string) => <span className={`badge badge-${m === 'audit' ? 'audit' : 'block'}`}>{m}</span>;
const limit = (r: RateLimit) => (r.limit.requests === undefined ? `${r.limit.tokens} tokens per ${r.limit.per}` : `${r.limit.requests} requests per ${r.limit.per}`);
const config = (g: Guardrail) => (Object.keys(g.config).length === 0 ? '–' : <code className="config">{JSON.stringify(g.config)}</code>);

/** Id-keyed sections: a row per rule, in the order they are evaluated. */
function ruleRows(section: SectionName, t: ResolvedTier): Rows | null {
  if (section === 'rate_limits') return { head: ['id', 'applies to', 'counted for', 'limit', 'mode'], rows: t.rate_limits.map((r) => ({ id: r.id, cells: [r.id, when(r.when), scope(r.scope), limit(r), mode(r.mode)] })) };
  if (section === 'budgets') {
    return { head: ['id', 'applies to', 'counted for', 'limit', 'mode'], rows: t.budgets.map((b: Budget) => ({ id: b.id, cells: [b.id, when(b.when), scope(b.scope), `$${b.limit.usd} per ${b.limit.per}`, mode(b.mode)] })) };
  }
  if (section === 'guardrails') {
    return { head: ['id', 'type', 'hook', 'action', 'mode', 'applies to', 'config'], rows: t.guardrails.map((g) => ({ id: g.id, cells: [g.id, g.type, g.hook, g.action, mode(g.mode), when(g.when), config(g)] })) };
  }
  if (section === 'virtual_models') {
    return { head: ['name', 'targets in order', 'falls back on'], rows: Object.entries(t.virtual_models).map(([name, vm]) => ({ id: name, cells: [name, vm.targets.map((x) => x.model).join(' → '), list(vm.fallback_on)] })) };
  }
  return null;
}

/** Sections of plain settings: one row per setting. */
function settingRows(section: SectionName, t: ResolvedTier): [string, string][] {
  if (section === 'metadata') return [['required', list(t.metadata.required)]];
  if (section === 'models') return [['allow', list(t.models.allow)], ['deny', list(t.models.deny)]];
  if (section === 'tools' || section === 'prompts' || section === 'resources') return [['allow', list(t[section].allow)], ['deny', list(t[section].deny)]];
  if (section === 'logging') return [['bodies', t.logging.bodies], ['retention_days', String(t.logging.retention_days)]];
  return [['push', list(t.sync.push)], ['interval_seconds', String(t.sync.interval_seconds)]];
}

/**
 * One section of one tier as a table. `changes` are the diff's changes in this section when
 * this tier is the one the step goes to: each changed row is marked with its change.
 */
export function SectionTable({ section, tier, changes = [] }: { section: SectionName; tier: ResolvedTier; changes?: TierChange[] }) {
  // A metadata change names the key (`metadata.ticket_id`); it belongs to the `required` row.
  const changeOf = (rule: string) => changes.find((c) => c.rule === rule || (c.section === 'metadata' && rule === 'metadata.required'))?.change;
  const rules = ruleRows(section, tier);
  const attrs = { 'data-testid': 'policy-table', 'data-tier': tier.name, 'data-section': section, 'aria-label': `${tier.name} ${section}` };
  if (rules !== null) {
    if (rules.rows.length === 0) return <p className="muted" {...attrs}>none</p>;
    return (
      <table className="table policy-table" {...attrs}>
        <thead><tr>{rules.head.map((h) => <th key={h}>{h}</th>)}</tr></thead>
        <tbody>
          {rules.rows.map((r) => (
            // A virtual model only routes a name (the diff counts it as a change): never coloured as a tightening.
            <tr key={r.id} data-rule={r.id} data-change={changeOf(r.id)} className={changeOf(r.id) ? `row-${section === 'virtual_models' ? 'changed' : changeOf(r.id)}` : undefined}>
              {r.cells.map((c, i) => <td key={i}>{c}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table className="table policy-table" {...attrs}>
      <tbody>
        {settingRows(section, tier).map(([k, v]) => (
          <tr key={k} data-rule={`${section}.${k}`} data-change={changeOf(`${section}.${k}`)} className={changeOf(`${section}.${k}`) ? `row-${changeOf(`${section}.${k}`)}` : undefined}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
