/**
 * The request pipeline, in the order a client request walks through it:
 *
 *   authenticate       server/security.ts, in the onRequest hook: before any body is read, so an
 *                      unauthenticated caller cannot make the gateway parse 32 MiB
 *   identity           }
 *   metadata           }
 *   model_access       }  BEFORE_CALL below: the list `admit` runs, in this order; each policy
 *   budgets            }  stage runs for the active tier (enforced) and every shadow tier
 *   rate_limits        }  (recorded only), see tier-runs.ts
 *   input_guardrails   }
 *   route              }  `routeAndCall` in index.ts: targets, retries, fallback, breakers
 *   provider_call      }
 *   output_guardrails  `checkOutput` in index.ts, or stream-guard.ts for a streamed answer
 *   trace              `record` in index.ts (the trace's content: trace.ts)
 *
 * The stages after the call stay in `handle` because a streamed answer interleaves them with
 * the bytes it relays. Each stage adds its time to `Server-Timing` under its name.
 */
import { performance } from 'node:perf_hooks';
import type { IdentityService } from '../identity/index.js';
import { metadataStage, modelAccessStage } from '../policy/engine/access.js';
import { budgetStage } from '../policy/engine/budgets.js';
import { rateLimitStage } from '../policy/engine/rate-limits.js';
import { slotTexts, type TextSlot } from '../contracts/texts.js';
import type { ApiSurface } from '../apis/types.js';
import type { ProviderAdapter } from '../providers/types.js';
import { resolveIdentity } from './auth.js';
import { timedAsync, type RequestContext } from './context.js';
import { planRoute, type RoutePlan } from './routing.js';
import { sharedStage } from './shared-limits.js';
import { applyVerdicts, beginPolicy, guardrailStage, hasHook, runStage, setInput, type PolicyEngine, type RequestPolicy, type TierCheck } from './tier-runs.js';

/** What the stages before the provider call need of the gateway. */
export interface AdmitDeps {
  providers: ReadonlyMap<string, ProviderAdapter>;
  identity: IdentityService;
  policy: PolicyEngine;
}

/** One request on its way to the provider call: what the stages read and fill in. */
export interface Admission {
  ctx: RequestContext;
  /** The client API called: the route's surface, which knows where its texts are. */
  surface: Pick<ApiSurface, 'api' | 'requestTexts'>;
  /** Mutated when an input guardrail redacts: the redacted body is what goes upstream and what the trace keeps. */
  body: Record<string, unknown>;
  /** Set by the identity stage, which reads the policy once for the whole request. */
  rp: RequestPolicy | null;
  /** The request's texts, where an input guardrail writes its redactions back. */
  slots: TextSlot[];
  /** Set by the model access stage. */
  plan: RoutePlan | null;
}

/**
 * A stage before the provider call. It refuses by throwing a coded GatehouseError. Only a
 * stage that must wait returns a promise: without one, a request costs no promise and no
 * microtask here (an `await` of a plain value still costs a turn).
 */
type Stage = (a: Admission, deps: AdmitDeps) => void | Promise<void>;

// The engine's checks share one signature, so the same function serves every tier.
const metadataCheck: TierCheck = (tier, facts, _state, role) => metadataStage(tier, facts, role);
const modelAccessCheck: TierCheck = (tier, facts, _state, role) => modelAccessStage(tier, facts, role);

/** Who is calling (PAT, OS user, or the central's per-request caller) and the metadata header; then the request's policy, read once. */
const identity: Stage = (a, deps) => {
  resolveIdentity(a.ctx, a.ctx.identity ?? deps.identity.current());
  a.rp = beginPolicy(deps.policy, a.ctx, a.body, []);
  a.slots = a.surface.requestTexts(a.body);
  setInput(a.rp, a.body, slotTexts(a.slots));
};

/** The metadata keys the tier requires. */
const metadata: Stage = (a) => runStage(a.ctx, a.rp!, 'metadata', metadataCheck);

/** Where the model resolves (a virtual model's targets, or a provider model), then the tier's allow and deny lists. */
const modelAccess: Stage = (a, deps) => {
  const rp = a.rp!;
  a.ctx.requestedModel = rp.facts.model;
  const plan = planRoute(rp.active.tier, deps.providers, a.surface.api, rp.facts.model, deps.policy.random);
  if (plan.virtual === null) rp.facts.resolvedModel = plan.targets[0]!.name;
  a.plan = plan;
  runStage(a.ctx, rp, 'model_access', modelAccessCheck);
};

/**
 * A counting stage: in process (the default: sync, no promise), or, with `limits.store`, the
 * enforced tier through the shared store (`shared-limits.ts`), which has to wait for it.
 */
function counting(stage: 'budgets' | 'rate_limits', check: TierCheck): Stage {
  return (a, deps) => {
    const rp = a.rp!;
    const engine = deps.policy;
    if (engine.shared === null) return runStage(a.ctx, rp, stage, check);
    const shadow = (run: RequestPolicy['runs'][number]) => check(run.tier, rp.facts, run.state, run.role);
    const model = a.plan?.targets[0]?.name ?? null;
    return sharedStage(rp, { ...engine, shared: engine.shared }, stage, shadow, model).then((perTier) => {
      a.ctx.limitsLocal ||= rp.active.localShare === true;
      applyVerdicts(a.ctx, perTier, rp.runs);
    });
  };
}

/** Spend so far this period against each matching budget (`policy/engine/budgets.ts`). */
const budgets: Stage = counting('budgets', budgetStage);

/** The first matching rate limit counts the request (`policy/engine/rate-limits.ts`). */
const rateLimits: Stage = counting('rate_limits', rateLimitStage);

/** Guardrails on the prompt: validators in parallel, mutators in sequence (`policy/engine/guardrails.ts`). It times itself: 0 when no tier has any. */
const inputGuardrails: Stage = (a) => {
  const { ctx } = a;
  const rp = a.rp!;
  ctx.phases.input_guardrails = 0;
  if (!hasHook(rp, 'llm_input')) return;
  return timedAsync(ctx, 'input_guardrails', () => guardrailStage(ctx, rp, 'llm_input', rp.facts.input)).then((texts) => {
    if (texts === rp.facts.input) return;
    texts.forEach((t, i) => a.slots[i]!.text !== t && a.slots[i]!.set(t));
    ctx.requestText = JSON.stringify(a.body);
    ctx.requestIsJson = true;
  });
};

/** The stages before the provider call, in the order they run. */
export const BEFORE_CALL: readonly { name: string; run: Stage; timesItself?: true }[] = [
  { name: 'identity', run: identity },
  { name: 'metadata', run: metadata },
  { name: 'model_access', run: modelAccess },
  { name: 'budgets', run: budgets },
  { name: 'rate_limits', run: rateLimits },
  { name: 'input_guardrails', run: inputGuardrails, timesItself: true },
];

/**
 * Runs BEFORE_CALL from stage `from` on; returns a promise only once a stage does. A stage's
 * time is recorded even when it refuses, so a refused request's trace shows where it stopped.
 */
export function admit(a: Admission, deps: AdmitDeps, from = 0): void | Promise<void> {
  const phases = a.ctx.phases;
  for (let i = from; i < BEFORE_CALL.length; i++) {
    const stage = BEFORE_CALL[i]!;
    if (stage.timesItself) {
      const pending = stage.run(a, deps);
      if (pending) return pending.then(() => admit(a, deps, i + 1));
      continue;
    }
    const start = performance.now();
    const took = () => void (phases[stage.name] = (phases[stage.name] ?? 0) + (performance.now() - start));
    let pending: void | Promise<void> = undefined;
    try {
      pending = stage.run(a, deps);
    } finally {
      if (!pending) took();
    }
    // A shared limit store is the one such stage that waits: timed to its answer.
    if (pending) return pending.finally(took).then(() => admit(a, deps, i + 1));
  }
}

/** Every stage's name, in order: the `Server-Timing` entries of a served request. */
export const STAGES = ['authenticate', ...BEFORE_CALL.map((s) => s.name), 'route', 'provider_call', 'output_guardrails', 'trace'] as const;
