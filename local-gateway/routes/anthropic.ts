import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CountTokensRequestSchema, MessagesRequestSchema, countTokens, messages } from '../apis/anthropic.js';
import { estimateInputTokens } from '../apis/token-estimate.js';
import { timed } from '../pipeline/context.js';
import { gatehouseHeaders } from '../pipeline/index.js';
import { planRoute } from '../pipeline/routing.js';
import { resolveIdentity } from '../pipeline/auth.js';

/** The Anthropic Messages client API: what Claude Code and the Anthropic SDKs call. */
export async function anthropicRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline, providers, policy } = app.gateway;

  app.post(messages.route.path, { schema: { body: MessagesRequestSchema }, config: { api: messages.api } }, (req, reply) => pipeline.handle(req, reply, messages));

  /**
   * A provider that can count (Anthropic) is asked; any other gets an estimate instead of an
   * error, since Claude Code calls this for its context meter and would fail on a refusal.
   * Counting is not a model call: the policy engine leaves it out of rate limits and budgets.
   */
  app.post(countTokens.route.path, { schema: { body: CountTokensRequestSchema }, config: { api: countTokens.api } }, (req, reply) => {
    const ctx = req.gh!;
    // Resolved as a Messages request would be (virtual models first), so the count is that of
    // the provider the conversation goes to.
    const { target } = timed(ctx, 'route', () => {
      const tier = policy.source.current().tiers.get(policy.active)!;
      return planRoute(tier, providers, 'messages', req.body.model, policy.random).targets[0]!;
    });
    if (target.provider.apis.has('messages.count_tokens')) return pipeline.handle(req, reply, countTokens);
    ctx.requestedModel = req.body.model;
    ctx.provider = target.provider;
    ctx.upstreamModel = target.model;
    timed(ctx, 'identity', () => resolveIdentity(ctx, app.gateway.identity.current()));
    const answer = { input_tokens: estimateInputTokens(req.body) };
    ctx.status = 200;
    ctx.usage = { input: answer.input_tokens, output: null, cached: null, reasoning: null };
    ctx.responseJson = JSON.stringify(answer);
    pipeline.record(ctx);
    return reply.headers({ ...gatehouseHeaders(ctx), 'x-gatehouse-estimate': 'true' }).send(answer);
  });
}
