import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ChatCompletionRequestSchema, EmbeddingsRequestSchema, chatCompletions, embeddings } from '../apis/openai.js';
import { gatehouseHeaders } from '../pipeline/index.js';
import { listModels } from './models.js';

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

  app.get('/v1/models', { config: { api: 'models' } }, async (req, reply) => {
    const ctx = req.gh!;
    const data = await listModels(app.gateway.providers, app.gateway.log);
    ctx.status = 200;
    ctx.responseJson = JSON.stringify({ object: 'list', count: data.length });
    pipeline.record(ctx);
    return reply.headers(gatehouseHeaders(ctx)).send({ object: 'list', data });
  });
}
