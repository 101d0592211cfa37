import type { ProviderConfig } from '../../providers/registry.js';
import { GatehouseError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { createPool, type LazyPool } from '../../providers/http.js';
import { loadSecret } from '../../providers/secrets.js';

/**
 * What remote guardrails need from the gateway that a policy bundle cannot carry: the
 * environment and keychain their key references resolve in, the providers of
 * `gatehouse.yaml` a rule may borrow an endpoint and key from, and keep-alive pools to the
 * services. Each gateway makes its own and closes it, so closing one gateway never closes the
 * pools of another in the same process; checks are built per runtime (policy/engine/guardrails.ts).
 */
export interface GuardrailRuntime {
  readonly env: NodeJS.ProcessEnv;
  readonly providers: readonly ProviderConfig[];
  /** This runtime's keep-alive pool to a service origin, shared by every rule that calls it. */
  poolFor(origin: string): LazyPool;
  /** Closes the pools; a later call opens a fresh one. */
  close(): Promise<void>;
}

/** Guardrail calls carry their own per-call timeout; these only bound a connection that hangs below it. */
const POOL_TIMEOUTS = { connect_ms: 10_000, headers_ms: 60_000, idle_ms: 60_000 };

export function createGuardrailRuntime(o: { env: NodeJS.ProcessEnv; providers: readonly ProviderConfig[] }): { -readonly [K in keyof GuardrailRuntime]: GuardrailRuntime[K] } {
  const pools = new Map<string, LazyPool>();
  return {
    env: o.env,
    providers: o.providers,
    poolFor(origin) {
      let pool = pools.get(origin);
      if (!pool) pools.set(origin, (pool = createPool(origin, POOL_TIMEOUTS)));
      return pool;
    },
    async close() {
      const open = [...pools.values()];
      pools.clear();
      await Promise.allSettled(open.map((p) => p.close()));
    },
  };
}

/**
 * The runtime of standalone use, where there is no gateway: the scan CLI, benches and unit
 * tests, one per process as they are. A gateway never uses it.
 */
const standalone = createGuardrailRuntime({ env: process.env, providers: [] });

/** The standalone runtime (see above). */
export function standaloneGuardrailRuntime(): GuardrailRuntime {
  return standalone;
}

/** Sets what the standalone runtime resolves keys in (the scan CLI at start, tests); its pools stay. */
export function setGuardrailRuntime(next: { env: NodeJS.ProcessEnv; providers: readonly ProviderConfig[] }): void {
  standalone.env = next.env;
  standalone.providers = next.providers;
}

/** Closes the standalone runtime's pools. */
export async function closeGuardrailPools(): Promise<void> {
  await standalone.close();
}

/** The provider a rule names with `provider:`, of the kinds it can use. */
export function borrowedProvider<K extends ProviderConfig['kind']>(who: string, id: string, kinds: readonly K[], runtime: GuardrailRuntime): Extract<ProviderConfig, { kind: K }> {
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
export async function guardrailKey(who: string, ref: string, runtime: GuardrailRuntime): Promise<string> {
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
export async function providerKey(providerId: string, ref: string | undefined, runtime: GuardrailRuntime): Promise<string | null> {
  return loadSecret(providerId, ref, runtime.env);
}
