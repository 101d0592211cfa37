import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ChatRouteBodySchema, EmbeddingsRequestSchema, chatCompletions, embeddings, isResponsesShaped } from '../apis/openai.js';
import { responses } from '../apis/responses.js';

/** The OpenAI-compatible client API: what Cursor, Continue, scripts and SDKs call. */
export async function openaiRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline } = app.gateway;

  app.post(chatCompletions.route.path, { schema: { body: ChatRouteBodySchema }, config: { api: chatCompletions.api } }, (req, reply) => {
    if (!isResponsesShaped(req.body)) return pipeline.handle(req, reply, chatCompletions);
    // Cursor's agent: a Responses body on the chat route is a Responses request, answered and traced as one.
    req.gh!.api = responses.api;
    return pipeline.handle(req, reply, responses);
  });

  app.post(embeddings.route.path, { schema: { body: EmbeddingsRequestSchema }, config: { api: embeddings.api } }, (req, reply) =>
    pipeline.handle(req, reply, embeddings),
  );
}
