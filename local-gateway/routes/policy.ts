import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatehouseError } from '../core/errors.js';
import { diffTiers, TierDiffSchema } from '../policy/diff.js';
import type { ActivePolicy } from '../policy/source.js';
import { policyView, PolicyViewSchema, tierOf } from '../policy/view.js';
import { parseSince } from '../store/query.js';
import { TierSummarySchema } from '../store/verdicts.js';

/** The summary's window when the caller names none. */
const DEFAULT_WINDOW_MS = 24 * 3600_000;

const TierParam = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a tier name such as dev or prod');

export const ShadowSummarySchema = z.object({
  since: z.string(),
  /** Traces stored in the window, to set the counts against. */
  traces: z.number().int(),
  tiers: z.array(TierSummarySchema),
});

function tierOrFail(policy: ActivePolicy, name: string, param: string) {
  const tier = tierOf(policy, name);
  if (tier !== null) return tier;
  const defined = policy.bundle === null ? [...policy.tiers.keys()] : Object.keys(policy.bundle.tiers);
  throw new GatehouseError('GH_ERR_UNKNOWN_TIER', `The policy in force has no tier "${name}": pass ${param}= one of ${defined.join(', ')}.`, { param });
}

/** The policy in force, the step between two tiers, and what each tier's rules fired on. */
export async function policyRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const gw = app.gateway;

  app.get('/api/policy', { schema: { response: { 200: PolicyViewSchema } } }, async () =>
    policyView(gw.policy.source.current(), gw.config.tiers, gw.policy.source.lastError?.() ?? null),
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
