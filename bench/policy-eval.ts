/**
 * The policy-evaluation cost per request, in process: the stages the pipeline runs before
 * and after the provider call (metadata, model access, budgets, rate limits, input and
 * output guardrails, settling the counters), for the active tier alone and with the prod
 * shadow tier, on the bench's small chat body and on an agent-sized one.
 */
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { createContext } from '../local-gateway/pipeline/context.js';
import { beginPolicy, createPolicyEngine, guardrailStage, runStage, setInput, settle } from '../local-gateway/pipeline/tier-runs.js';
import { PRE_STAGES, requestTexts } from '../local-gateway/policy/engine/index.js';
import { createPriceBook } from '../local-gateway/policy/engine/prices.js';
import { PolicyBundleSchema } from '../local-gateway/policy/schema.js';
import { staticPolicy } from '../local-gateway/policy/source.js';
import { benchPolicy } from './lib/policy.js';

export interface PolicyEvalResult {
  /** µs per request, median of the measured batches: the dev tier alone, and dev + the prod shadow tier. */
  activeUs: number;
  activeShadowUs: number;
}

const STAGES = ['metadata', 'model_access', 'budgets', 'rate_limits'] as const satisfies readonly (keyof typeof PRE_STAGES)[];

type Body = Record<string, unknown>;

function evaluator(shadow: string[]): (body: Body) => Promise<void> {
  const bundle = PolicyBundleSchema.parse(parse(benchPolicy()));
  const engine = createPolicyEngine({
    source: staticPolicy(bundle, ['dev', ...shadow]),
    tiers: { active: 'dev', shadow },
    prices: createPriceBook({ 'standin/bench-model': { input_per_mtok: 0.15, output_per_mtok: 0.6 } }),
  });
  const provider = { id: 'standin', kind: 'openai' } as never;
  return async (body) => {
    const ctx = createContext({ method: 'POST', path: '/v1/chat/completions', api: 'chat.completions', tier: 'dev', headers: {} });
    ctx.user = 'bench';
    ctx.metadata = { team: 'bench' };
    const rp = beginPolicy(engine, ctx, body, []);
    setInput(rp, body, requestTexts(body).map((s) => s.text));
    rp.facts.resolvedModel = 'standin/bench-model';
    for (const s of STAGES) runStage(ctx, rp, s, PRE_STAGES[s]);
    await guardrailStage(ctx, rp, 'llm_input', rp.facts.input);
    await guardrailStage(ctx, rp, 'llm_output', ['Hello, benchmark!']);
    ctx.provider = provider;
    ctx.upstreamModel = 'bench-model';
    ctx.usage = { input: 20, output: 8, cached: 0, reasoning: null };
    ctx.status = 200;
    await settle(engine, ctx, rp);
  };
}

/** Median µs per request over 10 batches, after a warm-up; `body(i)` may vary the request. */
async function perRequestUs(run: (b: Body) => Promise<void>, body: (i: number) => Body, n: number): Promise<number> {
  for (let i = 0; i < Math.min(n, 500); i++) await run(body(-1 - i));
  const batches: number[] = [];
  const per = Math.max(1, Math.floor(n / 10));
  for (let b = 0; b < 10; b++) {
    const bodies = Array.from({ length: per }, (_, i) => body(b * per + i));
    const t = performance.now();
    for (const x of bodies) await run(x);
    batches.push(((performance.now() - t) * 1000) / per);
  }
  return batches.sort((a, b) => a - b)[5]!;
}

/** Policy cost per request for a body; `body(i)` returning a new text each time measures first-sight scans. */
export async function policyEval(body: (i: number) => Body, n: number): Promise<PolicyEvalResult> {
  const active = evaluator([]);
  const both = evaluator(['prod']);
  return { activeUs: await perRequestUs(active, body, n), activeShadowUs: await perRequestUs(both, body, n) };
}
