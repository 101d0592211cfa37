import type { ProviderConfig } from '../../config/schema.js';
import { GatehouseError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { createPool, type LazyPool } from '../../providers/http.js';
import { loadSecret } from '../../providers/secrets.js';

/**
 * What remote guardrails need from the gateway that a policy bundle cannot carry: the
 * environment and keychain their key references resolve in, and the providers of
 * `gatehouse.yaml` a rule may borrow an endpoint and key from. A guardrail is built by the
 * policy engine from the bundle alone, so the gateway hands these over once at start.
 */
export interface GuardrailRuntime {
  env: NodeJS.ProcessEnv;
  providers: readonly ProviderConfig[];
}

let runtime: GuardrailRuntime = { env: process.env, providers: [] };

/** Set by the gateway at start (and by the scan CLI); the last one set wins, as there is one gateway per process. */
export function setGuardrailRuntime(next: GuardrailRuntime): void {
  runtime = next;
}

export function guardrailRuntime(): GuardrailRuntime {
  return runtime;
}

/** The provider a rule names with `provider:`, of the kinds it can use. */
export function borrowedProvider<K extends ProviderConfig['kind']>(who: string, id: string, kinds: readonly K[]): Extract<ProviderConfig, { kind: K }> {
  const p = runtime.providers.find((x) => x.id === id);
  if (!p) {
    throw new GatehouseError('GH_ERR_GUARDRAIL_UNAVAILABLE', `${who} uses provider "${id}", which gatehouse.yaml does not define: add it under providers, or give the guardrail its own key.`);
  }
  if (!(kinds as readonly string[]).includes(p.kind)) {
    throw new GatehouseError('GH_ERR_GUARDRAIL_UNAVAILABLE', `${who} uses provider "${id}" of kind ${p.kind}; it needs one of kind ${kinds.join(' or ')}.`);
  }
  return p as Extract<ProviderConfig, { kind: K }>;
}

/**
 * Resolves a key reference of a guardrail's own (`env:NAME` or `keychain:NAME`) and registers
 * the value for masking. A missing key is an error of the call, so it follows the rule's mode.
 */
export async function guardrailKey(who: string, ref: string): Promise<string> {
  if (ref.startsWith('env:')) {
    const value = runtime.env[ref.slice(4)];
    if (!value) throw new GatehouseError('GH_ERR_GUARDRAIL_UNAVAILABLE', `${who} needs its key from the environment variable ${ref.slice(4)}, which is not set: export it and restart gatehouse.`);
    registerSecret(value);
    return value;
  }
  try {
    return (await loadSecret(who, ref, runtime.env))!;
  } catch (err) {
    // A locked or absent keychain has its own advice; a missing entry gets one naming the guardrail.
    if (err instanceof GatehouseError && err.code === 'GH_ERR_KEYCHAIN_UNAVAILABLE') throw err;
    const name = ref.slice('keychain:'.length);
    throw new GatehouseError('GH_ERR_GUARDRAIL_UNAVAILABLE', `${who} needs the key "${name}" from the OS keychain, which has no such entry: run \`gatehouse keys set ${name}\` (the key on stdin).`, { cause: err });
  }
}

/** A provider's key reference, resolved under the provider's own name (its messages say how to set it). */
export async function providerKey(providerId: string, ref: string | undefined): Promise<string | null> {
  return loadSecret(providerId, ref, runtime.env);
}

// One keep-alive pool per service origin, shared by every rule that calls it.
const pools = new Map<string, LazyPool>();

/** Guardrail calls carry their own per-call timeout; these only bound a connection that hangs below it. */
const POOL_TIMEOUTS = { connect_ms: 10_000, headers_ms: 60_000, idle_ms: 60_000 };

export function poolFor(origin: string): LazyPool {
  let pool = pools.get(origin);
  if (!pool) pools.set(origin, (pool = createPool(origin, POOL_TIMEOUTS)));
  return pool;
}

/** Closes the pools (gateway shutdown); a later call opens a fresh one. */
export async function closeGuardrailPools(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.allSettled(open.map((p) => p.close()));
}
