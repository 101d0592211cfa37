import type { RequestMarks } from './wall-marks.js';
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Usage } from '../apis/types.js';
import { uuidv7 } from '../core/ids.js';
import type { GatehouseError } from '../core/errors.js';
import type { Identity } from '../identity/index.js';
import type { Verdict } from '../policy/schema.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { ToolRef } from '../store/schema.js';

/** Everything one request accumulates on its way through the pipeline; the trace is built from it. */
export interface RequestContext {
  id: string;
  startedAt: number;
  /** `performance.now()` at arrival; stage times are measured from it. */
  t0: number;
  /** Milliseconds per stage, in the order the stages ran. */
  phases: Record<string, number>;
  api: string;
  method: string;
  path: string;
  tier: string;
  headers: IncomingHttpHeaders;
  user: string;
  team: string | null;
  /** Who this request's credential belongs to, when the gateway authenticates each call (the central gateway's PATs); null: the process identity. */
  identity: Identity | null;
  metadata: Record<string, string>;
  /** The request body exactly as received: the trace stores it without serializing it again. */
  requestText: string | null;
  /** Whether `requestText` parsed as JSON; if not, it is stored as a string, to show what was sent. */
  requestIsJson: boolean;
  requestedModel: string | null;
  provider: ProviderAdapter | null;
  /** The provider's own model name. */
  upstreamModel: string | null;
  stream: boolean;
  status: number;
  errorCode: string | null;
  errorMessage: string | null;
  usage: Usage | null;
  /** The answer's price in USD, set once it is known (`priceCall`); null when unpriced. */
  costUsd: number | null;
  responseHeaders: Record<string, string>;
  /** The response body as JSON text, ready to store. */
  responseJson: string | null;
  /** The org bundle version the request ran under (set with its policy); null for a local or built-in policy. */
  policyVersion: number | null;
  /** What each tier's stages decided (the active tier's enforced, shadow tiers' recorded only). */
  verdicts: Verdict[];
  /**
   * Placeholder → original value, for the placeholders the active tier's input guardrails put
   * in place of what they redacted and asked to restore in the answer. Never traced.
   */
  placeholders: Map<string, string>;
  /** For a call through `/mcp`: the tool it ran, or the prompt or resource it fetched (`kind`). */
  tool: ToolRef | null;
  /** Set once the trace is written, so a request is never traced twice. */
  traced: boolean;
  /** Why the gateway aborted the request itself (a shutdown); it wins over the abort's own error. */
  cutBy: GatehouseError | null;
  /** Whether a limit of this request was decided on this replica's local share (the shared store out of reach): the answer says so. */
  limitsLocal: boolean;
  /** Wall and CPU marks of the request's stretches, when the gateway measures them (wall-marks.ts); else null. */
  marks: RequestMarks | null;
}

export function createContext(opts: { method: string; path: string; api: string; tier: string; headers: IncomingHttpHeaders; now?: number }): RequestContext {
  // The id carries the same millisecond as started_at, so time filters can bound by id.
  const now = opts.now ?? Date.now();
  return {
    id: uuidv7(now),
    startedAt: now,
    t0: performance.now(),
    phases: {},
    api: opts.api,
    method: opts.method,
    path: opts.path,
    tier: opts.tier,
    headers: opts.headers,
    user: '',
    team: null,
    identity: null,
    metadata: {},
    requestText: null,
    requestIsJson: false,
    requestedModel: null,
    provider: null,
    upstreamModel: null,
    stream: false,
    status: 0,
    errorCode: null,
    errorMessage: null,
    usage: null,
    costUsd: null,
    responseHeaders: {},
    responseJson: null,
    policyVersion: null,
    verdicts: [],
    placeholders: new Map(),
    tool: null,
    traced: false,
    cutBy: null,
    limitsLocal: false,
    marks: null,
  };
}

/** Runs one stage and adds its duration to the context under the stage's name. */
export function timed<T>(ctx: RequestContext, stage: string, fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    ctx.phases[stage] = (ctx.phases[stage] ?? 0) + (performance.now() - start);
  }
}

export async function timedAsync<T>(ctx: RequestContext, stage: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    ctx.phases[stage] = (ctx.phases[stage] ?? 0) + (performance.now() - start);
  }
}

/** The `Server-Timing` header value for the stages run so far. */
export function serverTiming(ctx: RequestContext): string {
  const parts = Object.entries(ctx.phases).map(([name, ms]) => `${name};dur=${ms.toFixed(3)}`);
  parts.push(`total;dur=${(performance.now() - ctx.t0).toFixed(3)}`);
  return parts.join(', ');
}
