import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { createContext } from '../local-gateway/pipeline/context.js';
import { beginPolicy, createPolicyEngine, guardrailStage, runStage, setInput, settle } from '../local-gateway/pipeline/policy.js';
import { requestTexts } from '../local-gateway/policy/engine/index.js';
import { createPriceBook } from '../local-gateway/policy/engine/prices.js';
import { PolicyBundleSchema } from '../local-gateway/policy/schema.js';
import { staticPolicy } from '../local-gateway/policy/source.js';
import { benchPolicy } from './lib/policy.js';
const body = { model: 'standin/bench-model', messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Say hello to the benchmark in one short sentence.' }] };
const bundle = PolicyBundleSchema.parse(parse(benchPolicy()));
const engine = createPolicyEngine({ source: staticPolicy(bundle, ['dev', 'prod']), tiers: { active: 'dev', shadow: ['prod'] }, prices: createPriceBook({ 'standin/bench-model': { input_per_mtok: 0.15, output_per_mtok: 0.6 } }) });
const T: Record<string, number> = {};
const time = async (k: string, f: () => unknown) => { const t = performance.now(); await f(); T[k] = (T[k] ?? 0) + performance.now() - t; };
const N = 20000;
for (let i = 0; i < N; i++) {
  const ctx = createContext({ method: 'POST', path: '/x', api: 'chat.completions', tier: 'dev', headers: {} });
  ctx.user = 'bench';
  let rp!: ReturnType<typeof beginPolicy>;
  await time('begin', () => { rp = beginPolicy(engine, ctx, body, []); setInput(rp, body, requestTexts(body).map((s) => s.text)); rp.facts.resolvedModel = 'standin/bench-model'; });
  for (const s of ['metadata', 'model_access', 'budgets', 'rate_limits'] as const) await time(s, () => runStage(ctx, rp, s));
  await time('in', () => guardrailStage(ctx, rp, 'llm_input', rp.facts.input));
  await time('out', () => guardrailStage(ctx, rp, 'llm_output', ['Hello, benchmark!']));
  ctx.provider = { id: 'standin', kind: 'openai' } as never; ctx.upstreamModel = 'bench-model'; ctx.usage = { input: 20, output: 8, cached: 0 }; ctx.status = 200;
  await time('settle', () => settle(engine, ctx, rp));
}
for (const [k, v] of Object.entries(T)) console.log(k, (v * 1000 / N).toFixed(2), 'us');
