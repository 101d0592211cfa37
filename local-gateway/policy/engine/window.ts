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

function week(now: number): Window {
  // ISO weeks start on Monday; 1970-01-01 was a Thursday, so day 0 of the epoch is weekday 3 (Mon = 0).
  const day = Math.floor(now / DAY_MS);
  const start = (day - ((day + 3) % 7)) * DAY_MS;
  return { start, end: start + 7 * DAY_MS };
}

function month(now: number): Window {
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

function aligned(ms: number): (now: number) => Window {
  return (now) => {
    const start = Math.floor(now / ms) * ms;
    return { start, end: start + ms };
  };
}

function parse(period: string): (now: number) => Window {
  switch (period) {
    case 'minute':
      return aligned(UNIT_MS.m);
    case 'hour':
      return aligned(UNIT_MS.h);
    case 'day':
      return aligned(DAY_MS);
    case 'week':
      return week;
    case 'month':
      return month;
  }
  const m = /^(\d+)(s|m|h|d)$/.exec(period);
  if (!m) throw new Error(`not a period: ${period}`);
  return aligned(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/** Keeps the last window: nearly every request falls in the same one (a month is two Date objects otherwise). */
function remembering(f: (now: number) => Window): (now: number) => Window {
  let last: Window = { start: 0, end: 0 };
  return (now) => (now >= last.start && now < last.end ? last : (last = f(now)));
}

// Every request reads a window per rule: parse each period once.
const parsed = new Map<string, (now: number) => Window>();

/** The window of `period` (as `PeriodSchema` accepts it: `30s`, `1h`, `month`, …) that holds `now`. */
export function windowOf(period: string, now: number): Window {
  let f = parsed.get(period);
  if (!f) parsed.set(period, (f = remembering(parse(period))));
  return f(now);
}
