import type { Mode, Verdict } from '../schema.js';

/** Who a stage runs for: the active tier's verdicts are enforced, a shadow tier's only recorded. */
export interface Role {
  tier: string;
  enforced: boolean;
}

type Stage = Verdict['stage'];
type Finding = Verdict['findings'][number];

export function verdict(
  role: Role,
  stage: Stage,
  rule: string,
  decision: Verdict['decision'],
  mode: Mode,
  reason: string,
  findings: Finding[] = [],
): Verdict {
  return { tier: role.tier, enforced: role.enforced, stage, rule, decision, mode, findings, reason };
}

/** Whether a verdict stops the request in its tier: a block by a rule not in audit mode. */
export function blocks(v: Verdict): boolean {
  return v.decision === 'block' && v.mode !== 'audit';
}
