import type { FiredVerdict, Verdict } from './api-types';

export type Tone = 'block' | 'mutate' | 'audit' | 'allow';

/**
 * An `audit` rule's block or redaction is recorded and never enforced: the request went
 * through as sent. Its stored reason still reads like a refusal ("remove it from the
 * prompt"), which is advice for an enforced rule, so the dashboard says what happened instead.
 */
export function isAudit(v: Pick<Verdict, 'mode' | 'decision'>): boolean {
  return v.mode === 'audit' && v.decision !== 'allow';
}

/** The badge of one verdict: `block`, `mutate`, or for an audit rule what it would have done. */
export function verdictBadge(v: Pick<Verdict, 'mode' | 'decision'>): { label: string; tone: Tone } {
  if (isAudit(v)) return { label: `audit · would ${v.decision}`, tone: 'audit' };
  return { label: v.decision, tone: v.decision };
}

/** The sentence under a verdict: the rule's own reason, or for an audit what really happened. */
export function verdictText(v: Verdict): string {
  if (!isAudit(v)) return v.reason;
  const found = [...new Set(v.findings.map((f) => f.type))].join(', ');
  const what = v.decision === 'mutate' ? 'unredacted' : 'unchanged';
  return `Recorded, not enforced: rule "${v.rule}" is in audit mode in ${v.tier}, so the request went through ${what}${found ? `; it found ${found}` : ''}.`;
}

export interface ListBadge {
  key: string;
  tone: Tone;
  label: string;
  title: string;
  testId: 'badge-shadow' | 'badge-audit';
}

/**
 * The list's badges for a trace's fired verdicts: what each shadow tier would have done, and
 * what an audit rule recorded (in any tier) without enforcing. The active tier's enforced
 * verdicts already show in the status.
 */
export function listBadges(fired: readonly FiredVerdict[]): ListBadge[] {
  const shadow = new Map<string, 'block' | 'mutate'>();
  const audited = new Map<string, string[]>();
  for (const f of fired) {
    if (f.decision === 'allow') continue;
    if (isAudit(f)) audited.set(f.tier, [...(audited.get(f.tier) ?? []), f.rule]);
    else if (!f.enforced && shadow.get(f.tier) !== 'block') shadow.set(f.tier, f.decision);
  }
  const rulesOf = (tier: string) => fired.filter((f) => f.tier === tier && !isAudit(f)).map((f) => f.rule).join(', ');
  return [
    ...[...shadow].map(([tier, decision]): ListBadge => ({ key: `s-${tier}`, tone: decision, label: `${tier} would ${decision}`, title: rulesOf(tier), testId: 'badge-shadow' })),
    ...[...audited].map(([tier, rules]): ListBadge => ({
      key: `a-${tier}`,
      tone: 'audit',
      label: `${tier} recorded ${rules.join(', ')}`,
      title: `${rules.join(', ')}: audit mode in ${tier}, recorded and not enforced`,
      testId: 'badge-audit',
    })),
  ];
}
