/**
 * Counting windows for rate limits and budgets. Windows are fixed and aligned (UTC), so two
 * gateways, or a replay of stored traces, put a request in the same window; a calendar
 * period (`month`) starts on its calendar boundary, which is what a budget owner means.
 */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DAY_MS = UNIT_MS.d;

export interface Window {
  start: number;
  /** Exclusive: the first millisecond of the next window. */
  end: number;
}

function calendar(period: string, now: number): Window | null {
  const d = new Date(now);
  switch (period) {
    case 'minute':
      return aligned(UNIT_MS.m, now);
    case 'hour':
      return aligned(UNIT_MS.h, now);
    case 'day':
      return aligned(DAY_MS, now);
    case 'week': {
      // ISO weeks start on Monday; getUTCDay() counts from Sunday.
      const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
      const start = dayStart - ((d.getUTCDay() + 6) % 7) * DAY_MS;
      return { start, end: start + 7 * DAY_MS };
    }
    case 'month':
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    default:
      return null;
  }
}

function aligned(ms: number, now: number): Window {
  const start = Math.floor(now / ms) * ms;
  return { start, end: start + ms };
}

/** The window of `period` (as `PeriodSchema` accepts it: `30s`, `1h`, `month`, …) that holds `now`. */
export function windowOf(period: string, now: number): Window {
  const cal = calendar(period, now);
  if (cal) return cal;
  const m = /^(\d+)(s|m|h|d)$/.exec(period);
  if (!m) throw new Error(`not a period: ${period}`);
  return aligned(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS], now);
}
