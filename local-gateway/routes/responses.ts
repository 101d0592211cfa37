import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ResponsesRequestSchema, responses } from '../apis/responses.js';

/** OpenAI's Responses API: what Codex CLI calls (`wire_api = "responses"`). */
export async function responsesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline } = app.gateway;

  app.post('/v1/responses', { schema: { body: ResponsesRequestSchema }, config: { api: 'responses' } }, (req, reply) => pipeline.handle(req, reply, responses));
}
