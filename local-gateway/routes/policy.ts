import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatehouseError } from '../core/errors.js';
import { formatProblem } from '../config/load.js';
import { diffTiers, TierDiffSchema } from '../policy/diff.js';
import { defaultReplayTiers, replayStore, ReplayReportSchema } from '../policy/replay.js';
import type { PolicyBundle } from '../policy/schema.js';
import { checkPolicyText } from '../policy/validate.js';
import type { ActivePolicy } from '../policy/source.js';
import { policyView, PolicyViewSchema, tierOf } from '../policy/view.js';
import { parseSince } from '../store/query.js';
import { ReplayRequestSchema, ShadowSummarySchema, TierParamSchema as TierParam } from '../admin/schemas.js';

/** The summary's window when the caller names none. */
const DEFAULT_WINDOW_MS = 24 * 3600_000;

function tierOrFail(policy: ActivePolicy, name: string, param: string) {
  const tier = tierOf(policy, name);
  if (tier !== null) return tier;
  const defined = policy.bundle === null ? [...policy.tiers.keys()] : Object.keys(policy.bundle.tiers);
  throw new GatehouseError('GH_ERR_UNKNOWN_TIER', `The policy in force has no tier "${name}": pass ${param}= one of ${defined.join(', ')}.`, { param });
}

/** A candidate bundle from a request body; every problem is named, with its line when it came as text. */
function candidateBundle(policy: string | Record<string, unknown>): PolicyBundle {
  const r = checkPolicyText(typeof policy === 'string' ? policy : JSON.stringify(policy), 'policy');
  if (r.ok) return r.data;
  throw new GatehouseError('GH_ERR_INVALID_POLICY', `The candidate policy is not valid: ${r.problems.map(formatProblem).join('; ')}. Check it with gatehouse policy check.`, { param: 'policy' });
}

/** The policy in force, the step between two tiers, and what each tier's rules fired on. */
export async function policyRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const gw = app.gateway;

  app.get('/api/policy', { schema: { response: { 200: PolicyViewSchema } } }, async () =>
    policyView(gw.policy.source.current(), gw.config.tiers, gw.policy.source.lastError?.() ?? null, gw.sync.status().last_sync),
  );

  app.get(
    '/api/policy/diff',
    { schema: { querystring: z.object({ from: TierParam.optional(), to: TierParam.optional() }), response: { 200: TierDiffSchema } } },
    async (req) => {
      const policy = gw.policy.source.current();
      const from = req.query.from ?? gw.config.tiers.active;
      const to = req.query.to ?? gw.config.tiers.shadow[0] ?? 'prod';
      return diffTiers(tierOrFail(policy, from, 'from'), tierOrFail(policy, to, 'to'));
    },
  );

  app.post('/api/policy/replay', { schema: { body: ReplayRequestSchema, response: { 200: ReplayReportSchema } } }, async (req) => {
    const bundle = candidateBundle(req.body.policy);
    const tiers = req.body.tiers ?? defaultReplayTiers(bundle, [gw.config.tiers.active, ...gw.config.tiers.shadow]);
    for (const t of tiers) {
      if (!(t in bundle.tiers)) throw new GatehouseError('GH_ERR_UNKNOWN_TIER', `The candidate policy has no tier "${t}": name tiers it has (${Object.keys(bundle.tiers).join(', ')}).`, { param: 'tiers' });
    }
    await gw.writer.flush();
    const costOf = async (t: { resolved_model: string | null; provider: string | null; tokens_in: number | null; tokens_out: number | null }) =>
      t.resolved_model === null ? null : gw.policy.prices.cost(t.resolved_model, gw.providers.get(t.provider ?? '')?.kind ?? null, t.tokens_in ?? 0, t.tokens_out ?? 0);
    return replayStore(gw.traces, bundle, req.body.last, { tiers, costOf }, req.body.all);
  });

  app.get(
    '/api/shadow/summary',
    { schema: { querystring: z.object({ since: z.string().min(1).optional(), tier: TierParam.optional() }), response: { 200: ShadowSummarySchema } } },
    async (req) => {
      const since = req.query.since === undefined ? Date.now() - DEFAULT_WINDOW_MS : parseSince(req.query.since);
      await gw.writer.flush();
      return {
        since: new Date(since).toISOString(),
        traces: gw.traces.countSince(since),
        tiers: gw.traces.verdicts.summary(since, req.query.tier),
      };
    },
  );
}
