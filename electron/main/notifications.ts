import { z } from 'zod';
import type { TraceSummary } from '../../local-gateway/admin/schemas.js';
import type { GatewayState } from './lifecycle.js';

export const NOTIFICATION_KINDS = ['limit', 'prod-streak', 'policy', 'gateway'] as const;
export const NotificationKindSchema = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKindSchema>;

/** Which kinds the developer wants; all on until switched off (the choice is kept in the app's settings file). */
export const NotificationSettingsSchema = z.partialRecord(NotificationKindSchema, z.boolean());
export type NotificationSettings = Partial<Record<NotificationKind, boolean>>;

export interface Notice {
  kind: NotificationKind;
  title: string;
  body: string;
}

export interface NotifierOptions {
  show(notice: Notice): void;
  now(): number;
  settings?: NotificationSettings;
  /** At most one notice of a kind per window: an agent in a loop of 429s must not flood the desktop. */
  debounceMs?: number;
  /** Requests in a row the shadow tier would block before saying so. */
  streak?: number;
}

export interface Notifier {
  trace(t: Pick<TraceSummary, 'error_code' | 'fired' | 'requested_model'>): void;
  /** The policy in force, as each snapshot or `policy` event reports it. */
  policy(p: { source: string; version: number | null; org: string | null }): void;
  /** Each lifecycle state: a crash the app restarts from, and the give-up after too many, are worth a notice. */
  gateway(state: GatewayState): void;
  setEnabled(kind: NotificationKind, on: boolean): void;
  settings(): Record<NotificationKind, boolean>;
}

const LIMIT_CODES = new Set(['GH_ERR_RATE_LIMITED', 'GH_ERR_BUDGET_EXCEEDED']);

/**
 * Decides what is worth a desktop notification: a budget or rate-limit refusal, a streak of
 * requests prod would block, a new org policy. Each kind is debounced and can be switched off.
 */
export function createNotifier(opts: NotifierOptions): Notifier {
  const debounceMs = opts.debounceMs ?? 5 * 60_000;
  const streakAt = opts.streak ?? 3;
  const enabled: Record<NotificationKind, boolean> = { limit: true, 'prod-streak': true, policy: true, gateway: true, ...opts.settings };
  const lastShown = new Map<NotificationKind, number>();
  let streak = 0;
  let seenPolicy = false;
  let policyVersion: number | null = null;

  /** `urgent`: past the debounce, as a gateway the app gave up on stays down until the developer acts. */
  const notify = (notice: Notice, urgent = false) => {
    if (!enabled[notice.kind]) return;
    const t = opts.now();
    const last = lastShown.get(notice.kind);
    if (!urgent && last !== undefined && t - last < debounceMs) return;
    lastShown.set(notice.kind, t);
    opts.show(notice);
  };

  return {
    trace(t) {
      if (t.error_code !== null && LIMIT_CODES.has(t.error_code)) {
        const what = t.error_code === 'GH_ERR_BUDGET_EXCEEDED' ? 'A budget' : 'A rate limit';
        notify({ kind: 'limit', title: `${what} refused a request`, body: `A call to ${t.requested_model ?? 'a model'} got 429: open the dashboard to see which rule.` });
      }
      const shadowBlock = t.fired.find((f) => !f.enforced && f.decision === 'block');
      streak = shadowBlock ? streak + 1 : 0;
      if (shadowBlock && streak === streakAt) {
        notify({ kind: 'prod-streak', title: `${streakAt} requests in a row would be blocked in ${shadowBlock.tier}`, body: `Rule ${shadowBlock.rule} fires: open the prod preview before this ships.` });
      }
    },
    policy(p) {
      const newer = p.source === 'org' && p.version !== null && (policyVersion === null || p.version > policyVersion);
      if (p.source === 'org') policyVersion = p.version;
      const first = !seenPolicy;
      seenPolicy = true;
      // The version found at start is not news; one that arrives while the app runs is.
      if (newer && !first) notify({ kind: 'policy', title: `New org policy: ${p.org ?? 'org'} v${p.version}`, body: 'It is in force now: the dashboard shows what changed.' });
    },
    gateway(state) {
      if (state.kind === 'restarting') {
        notify({ kind: 'gateway', title: 'The gateway stopped unexpectedly', body: `${state.reason}; Gatehouse restarts it in ${Math.ceil(state.inMs / 1000)} s (attempt ${state.attempt}).` });
      }
      if (state.kind === 'failed') notify({ kind: 'gateway', title: 'The gateway is down', body: `${state.reason} Your agents get no answer until then.` }, true);
    },
    setEnabled(kind, on) {
      enabled[kind] = on;
    },
    settings: () => ({ ...enabled }),
  };
}
