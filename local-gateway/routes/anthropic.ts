import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CountTokensRequestSchema, MessagesRequestSchema, countTokens, messages } from '../apis/anthropic.js';
import { estimateInputTokens } from '../apis/token-estimate.js';
import { timed } from '../pipeline/context.js';
import { gatehouseHeaders } from '../pipeline/index.js';
import { resolveIdentity, route } from '../pipeline/stages.js';

/** The Anthropic Messages client API: what Claude Code and the Anthropic SDKs call. */
export async function anthropicRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline, providers } = app.gateway;

  app.post('/v1/messages', { schema: { body: MessagesRequestSchema }, config: { api: 'messages' } }, (req, reply) => pipeline.handle(req, reply, messages));

  /**
   * A provider that can count (Anthropic) is asked; any other gets an estimate instead of an
   * error, since Claude Code calls this for its context meter and would fail on a refusal.
   */
  app.post('/v1/messages/count_tokens', { schema: { body: CountTokensRequestSchema }, config: { api: 'messages.count_tokens' } }, (req, reply) => {
    const ctx = req.gh!;
    // Routed as a Messages request: any provider that can answer one can have it counted.
    timed(ctx, 'route', () => route(ctx, providers, 'messages', req.body.model));
    if (ctx.provider!.apis.has('messages.count_tokens')) return pipeline.handle(req, reply, countTokens);
    timed(ctx, 'identity', () => resolveIdentity(ctx, app.gateway.identity.current()));
    const answer = { input_tokens: estimateInputTokens(req.body) };
    ctx.status = 200;
    ctx.usage = { input: answer.input_tokens, output: null, cached: null, reasoning: null };
    ctx.responseJson = JSON.stringify(answer);
    pipeline.record(ctx);
    return reply.headers({ ...gatehouseHeaders(ctx), 'x-gatehouse-estimate': 'true' }).send(answer);
  });
}
