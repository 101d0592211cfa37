import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ResponsesRequestSchema, responses } from '../apis/responses.js';

/** OpenAI's Responses API: what Codex CLI calls (`wire_api = "responses"`). */
export async function responsesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline } = app.gateway;

  app.post(responses.route.path, { schema: { body: ResponsesRequestSchema }, config: { api: responses.api } }, (req, reply) => pipeline.handle(req, reply, responses));
}
