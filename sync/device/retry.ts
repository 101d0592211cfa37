/**
 * When to retry a records batch and how long to wait, per the sync protocol: only when the
 * central gateway is overloaded or unreachable (429, 502, 503, 504, or no answer at all);
 * every other answer is a problem a retry will not fix (a bad PAT, a bad batch, a bug on
 * the server) and waits for the next cycle instead.
 */

const RETRYABLE = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE.has(status);
}

export interface Backoff {
  /** First retry waits up to this (full jitter: anywhere from 0). */
  baseMs: number;
  /** No wait is longer than this. */
  capMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, capMs: 60_000 };

/**
 * Exponential backoff with full jitter: a random wait in [0, min(cap, base·2^(attempt-1))).
 * Full jitter spreads a fleet whose central gateway just came back instead of having every
 * laptop retry in the same second.
 */
export function backoffDelay(attempt: number, random: () => number, b: Backoff = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` in milliseconds from now: delta-seconds or an HTTP date. Null when absent or
 * unreadable (then the backoff decides).
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/**
 * How long a device waits before retrying a refused batch: the server's `Retry-After` as the
 * least wait, plus a full-jitter spread of up to that much again (capped), so a fleet told
 * "1 second" by a busy central comes back over the next second instead of all at once;
 * without `Retry-After`, the exponential backoff.
 */
export function retryWait(retryAfterMs: number | null, attempt: number, random: () => number, b: Backoff = DEFAULT_BACKOFF): number {
  if (retryAfterMs === null) return backoffDelay(attempt, random, b);
  return retryAfterMs + Math.floor(random() * Math.min(retryAfterMs, b.capMs));
}
