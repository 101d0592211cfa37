import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ChatRouteBodySchema, EmbeddingsRequestSchema, chatCompletions, embeddings, isResponsesShaped } from '../apis/openai.js';
import { responses } from '../apis/responses.js';

/** The OpenAI-compatible client API: what Cursor, Continue, scripts and SDKs call. */
export async function openaiRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline } = app.gateway;

  app.post('/v1/chat/completions', { schema: { body: ChatRouteBodySchema }, config: { api: 'chat.completions' } }, (req, reply) => {
    if (!isResponsesShaped(req.body)) return pipeline.handle(req, reply, chatCompletions);
    // Cursor's agent: a Responses body on the chat route is a Responses request, answered and traced as one.
    req.gh!.api = responses.api;
    return pipeline.handle(req, reply, responses);
  });

  app.post('/v1/embeddings', { schema: { body: EmbeddingsRequestSchema }, config: { api: 'embeddings' } }, (req, reply) =>
    pipeline.handle(req, reply, embeddings),
  );
}
