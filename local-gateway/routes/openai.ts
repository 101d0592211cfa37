import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ChatCompletionRequestSchema, EmbeddingsRequestSchema, chatCompletions, embeddings } from '../apis/openai.js';

/** The OpenAI-compatible client API: what Cursor, Continue, scripts and SDKs call. */
export async function openaiRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline } = app.gateway;

  app.post('/v1/chat/completions', { schema: { body: ChatCompletionRequestSchema }, config: { api: 'chat.completions' } }, (req, reply) =>
    pipeline.handle(req, reply, chatCompletions),
  );

  app.post('/v1/embeddings', { schema: { body: EmbeddingsRequestSchema }, config: { api: 'embeddings' } }, (req, reply) =>
    pipeline.handle(req, reply, embeddings),
  );
}
