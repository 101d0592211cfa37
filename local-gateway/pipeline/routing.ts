import { setTimeout as sleep } from 'node:timers/promises';
import { GatehouseError } from '../core/errors.js';
import type { ResolvedTier, Target as TargetSpec, VirtualModel } from '../policy/schema.js';
import type { ClientApi } from '../contracts/client-apis.js';
import type { ProviderAdapter, UpstreamResponse } from '../providers/types.js';
import type { BreakerSettings, Breakers } from './breaker.js';
import { unservableModelName } from '../providers/model-name.js';
import { planUpstream } from '../translate/index.js';
import type { Target } from './upstream.js';

export interface PlannedTarget {
  /** `<provider>/<model>`: the breaker's key and what the trace shows. */
  name: string;
  target: Target;
  /** The virtual model's settings for it; null for a model addressed directly. */
  spec: TargetSpec | null;
}

/** Where a request may go, in the order to try. */
export interface RoutePlan {
  /** The virtual model's name, or null when the client named a provider model. */
  virtual: string | null;
  targets: PlannedTarget[];
  fallbackOn: ReadonlySet<number | 'timeout'>;
  breaker: BreakerSettings | null;
}

/** Targets by priority (lower first); within one priority, a weighted random order, so traffic shares by weight. */
export function orderTargets(targets: readonly TargetSpec[], random: () => number): TargetSpec[] {
  const byPriority = new Map<number, TargetSpec[]>();
  for (const t of targets) byPriority.set(t.priority, [...(byPriority.get(t.priority) ?? []), t]);
  const out: TargetSpec[] = [];
  for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
    const pool = [...byPriority.get(p)!];
    while (pool.length > 0) {
      const total = pool.reduce((s, t) => s + t.weight, 0);
      let r = random() * total;
      const i = Math.max(0, pool.findIndex((t) => (r -= t.weight) < 0));
      out.push(...pool.splice(i, 1));
    }
  }
  return out;
}

/** A model addressed directly has one target and nothing to fall back on. */
const NO_FALLBACK: ReadonlySet<number | 'timeout'> = new Set();

/**
 * Resolves a model name: the tier's virtual models first, then a provider model. The name
 * of a virtual model is the policy's; its targets are `<provider>/<model>` names.
 */
export function planRoute(tier: ResolvedTier, providers: ReadonlyMap<string, ProviderAdapter>, api: ClientApi, model: string, random: () => number): RoutePlan {
  const vm: VirtualModel | undefined = Object.hasOwn(tier.virtual_models, model) ? tier.virtual_models[model] : undefined;
  if (!vm) {
    const target = findTarget(providers, api, model);
    return { virtual: null, targets: [{ name: `${target.provider.id}/${target.model}`, target, spec: null }], fallbackOn: NO_FALLBACK, breaker: null };
  }
  // The org's policy may name providers this laptop has not configured: those targets are
  // left out, so the virtual model still works through the ones it has.
  const targets: PlannedTarget[] = [];
  const unavailable: string[] = [];
  for (const spec of orderTargets(vm.targets, random)) {
    try {
      const target = findTarget(providers, api, spec.model);
      targets.push({ name: `${target.provider.id}/${target.model}`, target, spec });
    } catch (err) {
      if (!(err instanceof GatehouseError)) throw err;
      unavailable.push(`${spec.model} (${err.message})`);
    }
  }
  if (targets.length === 0) {
    throw new GatehouseError('GH_ERR_UNKNOWN_PROVIDER', `Virtual model "${model}" has no target this gateway can call: ${unavailable.join('; ')}`, { param: 'model' });
  }
  return { virtual: model, targets, fallbackOn: new Set(vm.fallback_on), breaker: vm.circuit_breaker ?? null };
}

/** One try of one target, as the route log and the trace show it. */
export interface Attempt {
  target: string;
  /** The HTTP status, `timeout`, `circuit_open`, or the error code of a failed connection. */
  outcome: number | string;
}

export interface RoutingDeps {
  breakers: Breakers;
  /** Backoff between retries; tests pass one that does not wait. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

type Outcome = { up: UpstreamResponse } | { timeout: true } | { error: GatehouseError };

/** Calls one target with its own deadline for the response headers (`timeout_ms`), linked to the client's signal. */
async function tryOnce(call: (t: Target, signal: AbortSignal) => Promise<UpstreamResponse>, t: PlannedTarget, signal: AbortSignal): Promise<Outcome> {
  const ms = t.spec?.timeout_ms;
  if (ms === undefined) {
    try {
      return { up: await call(t.target, signal) };
    } catch (err) {
      if (err instanceof GatehouseError && err.code === 'GH_ERR_UPSTREAM_TIMEOUT') return { timeout: true };
      throw err;
    }
  }
  const own = new AbortController();
  const onAbort = () => own.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    own.abort();
  }, ms);
  try {
    // The link to the client's signal stays after the headers: a client that leaves mid-stream must still stop the body.
    return { up: await call(t.target, own.signal) };
  } catch (err) {
    signal.removeEventListener('abort', onAbort);
    if (timedOut || (err instanceof GatehouseError && err.code === 'GH_ERR_UPSTREAM_TIMEOUT')) return { timeout: true };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

const countsAsFailure = (o: Attempt['outcome']) => typeof o !== 'number' || o === 429 || o >= 500;

function discard(up: UpstreamResponse): Promise<void> {
  return up.text().then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Calls the plan's targets until one answers: each target's `retry` (attempts, statuses,
 * doubling backoff with jitter), then the next target when the outcome is in `fallback_on`,
 * skipping targets whose circuit is open. Returns the answer to relay — a success, or the
 * last error answer when no fallback applies — and logs every attempt in `attempts`.
 */
export async function callRouted(
  plan: RoutePlan,
  deps: RoutingDeps,
  call: (t: Target, signal: AbortSignal) => Promise<UpstreamResponse>,
  signal: AbortSignal,
  attempts: Attempt[],
  onTarget: (t: PlannedTarget) => void,
): Promise<UpstreamResponse> {
  const wait = deps.sleep ?? ((ms, s) => sleep(ms, undefined, { signal: s }));
  const random = deps.random ?? Math.random;
  let lastError: GatehouseError | null = null;
  let minOpenMs = Infinity;
  for (const [i, t] of plan.targets.entries()) {
    const isLast = i === plan.targets.length - 1;
    // Thresholds are the virtual model's, so its breakers are its own: one per (virtual model, target).
    const breakerKey = `${plan.virtual}\u0000${t.name}`;
    if (plan.breaker) {
      const blocked = deps.breakers.blockedFor(breakerKey, plan.breaker);
      if (blocked > 0) {
        attempts.push({ target: t.name, outcome: 'circuit_open' });
        minOpenMs = Math.min(minOpenMs, blocked);
        continue;
      }
    }
    onTarget(t);
    const retry = t.spec?.retry;
    const tries = retry?.attempts ?? 1;
    for (let n = 1; n <= tries; n++) {
      const res = await tryOnce(call, t, signal).catch((err: unknown) => {
        if (err instanceof GatehouseError && err.code === 'GH_ERR_UPSTREAM_CONNECT') return { error: err } as const;
        throw err;
      });
      const outcome: Attempt['outcome'] = 'up' in res ? res.up.status : 'timeout' in res ? 'timeout' : res.error.code;
      attempts.push({ target: t.name, outcome });
      if (plan.breaker) {
        if (countsAsFailure(outcome)) deps.breakers.failure(breakerKey, plan.breaker);
        else deps.breakers.success(breakerKey);
      }
      if ('up' in res && res.up.status < 400) return res.up;
      const retryable = typeof outcome === 'number' && n < tries && retry!.on_status.includes(outcome);
      const fallback = !isLast && (plan.fallbackOn.has(typeof outcome === 'number' ? outcome : 'timeout'));
      if (!retryable && !fallback) {
        if ('up' in res) return res.up;
        throw 'error' in res ? res.error : timeoutError(t);
      }
      if ('up' in res) await discard(res.up);
      lastError = 'error' in res ? res.error : null;
      if (!retryable) break;
      await wait(retry!.backoff_ms * 2 ** (n - 1) * (0.5 + random() / 2), signal).catch(() => {
        throw new GatehouseError('GH_ERR_CLIENT_CLOSED', 'The client closed the connection while the gateway waited to retry.');
      });
    }
  }
  if (minOpenMs < Infinity) {
    const s = Math.ceil(minOpenMs / 1000);
    throw new GatehouseError('GH_ERR_CIRCUIT_OPEN', `Every target of "${plan.virtual}" is failing and paused by its circuit breaker: retry after ${s} s.`, { headers: { 'retry-after': String(s) } });
  }
  // Only the last target ends the loop without returning, and it always returns or throws.
  throw lastError ?? new GatehouseError('GH_ERR_INTERNAL', `Routing "${plan.virtual}" tried no target: report it with the trace id.`);
}

function timeoutError(t: PlannedTarget): GatehouseError {
  const within = t.spec?.timeout_ms !== undefined ? ` within its timeout_ms (${t.spec.timeout_ms} ms)` : '';
  return new GatehouseError('GH_ERR_UPSTREAM_TIMEOUT', `Target ${t.name} did not answer${within}: retry, or add a fallback target to the virtual model.`);
}

/**
 * Finds the provider for a model: `<provider>/<model>` first, then a provider that lists
 * the full name among its models (names such as `meta-llama/Llama-3` contain a slash).
 */
export function findTarget(providers: ReadonlyMap<string, ProviderAdapter>, api: ClientApi, model: string): Target {
  const slash = model.indexOf('/');
  let provider: ProviderAdapter | undefined;
  let upstreamModel = model;
  if (slash > 0 && providers.has(model.slice(0, slash))) {
    provider = providers.get(model.slice(0, slash));
    upstreamModel = model.slice(slash + 1);
  } else {
    provider = [...providers.values()].find((p) => p.models.includes(model));
  }
  if (!provider) {
    const ids = [...providers.keys()].join(', ');
    if (slash > 0) {
      throw new GatehouseError('GH_ERR_UNKNOWN_PROVIDER', `Unknown provider "${model.slice(0, slash)}" in model "${model}": configured providers are ${ids}.`, { param: 'model' });
    }
    throw new GatehouseError(
      'GH_ERR_UNKNOWN_MODEL',
      `Model "${model}" matches no virtual model or provider: address it as <provider>/<model> (providers: ${ids}), or list it under a provider's models in gatehouse.yaml.`,
      { param: 'model' },
    );
  }
  if (!upstreamModel) {
    throw new GatehouseError('GH_ERR_UNKNOWN_MODEL', `Model "${model}" names a provider but no model: use ${provider.id}/<model>.`, { param: 'model' });
  }
  const unservable = unservableModelName(upstreamModel);
  if (unservable !== null) {
    throw new GatehouseError('GH_ERR_INVALID_MODEL', `Model "${model}" cannot be served: ${unservable}. Use the provider's own model name, e.g. ${provider.id}/<model>.`, { param: 'model' });
  }
  if (!planUpstream(api, provider)) {
    throw new GatehouseError('GH_ERR_UNSUPPORTED_API', `Provider "${provider.id}" (${provider.kind}) cannot serve ${api}: pick a model on another provider.`, { param: 'model' });
  }
  return { provider, model: upstreamModel };
}
