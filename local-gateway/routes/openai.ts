import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { $ZodType } from 'zod/v4/core';
import { ChatCompletionRequestSchema, ChatRouteBodySchema, EmbeddingsRequestSchema, chatCompletions, chatRouteSchemaFor, embeddings, isResponsesShaped } from '../apis/openai.js';
import { ResponsesRequestSchema, responses } from '../apis/responses.js';

/** What fastify-type-provider-zod's validators answer (never a promise or a boolean). */
type BodyCheck = (data: unknown) => { error?: FastifySchemaValidationError[]; value?: unknown };

const bodyCheck = (schema: $ZodType): BodyCheck => validatorCompiler({ schema, method: 'POST', url: chatCompletions.route.path, httpPart: 'body' }) as BodyCheck;

/**
 * The chat route's body checked as ChatRouteBodySchema says, in one zod pass: the schema
 * itself first parses an empty loose object (a copy of the body) and hands the chosen
 * schema's issues on through a refinement, which before V8 has optimized the request path
 * costs twice the chosen schema's own pass. The issues are that schema's, so an error reads
 * as it did; the route gets the body as parsed, which the copy held too. A body that is not
 * an object gets the route schema's own error.
 */
function chatRouteBody(): BodyCheck {
  const whole = bodyCheck(ChatRouteBodySchema);
  const chat = bodyCheck(ChatCompletionRequestSchema);
  const asResponses = bodyCheck(ResponsesRequestSchema);
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return whole(data);
    const checked = (chatRouteSchemaFor(data as Record<string, unknown>) === ResponsesRequestSchema ? asResponses : chat)(data);
    return checked.error ? checked : { value: data };
  };
}

/** The OpenAI-compatible client API: what Cursor, Continue, scripts and SDKs call. */
export async function openaiRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pipeline } = app.gateway;

  app.post(chatCompletions.route.path, { schema: { body: ChatRouteBodySchema }, validatorCompiler: chatRouteBody, config: { api: chatCompletions.api } }, (req, reply) => {
    if (!isResponsesShaped(req.body)) return pipeline.handle(req, reply, chatCompletions);
    // Cursor's agent: a Responses body on the chat route is a Responses request, answered and traced as one.
    req.gh!.api = responses.api;
    return pipeline.handle(req, reply, responses);
  });

  app.post(embeddings.route.path, { schema: { body: EmbeddingsRequestSchema }, config: { api: embeddings.api } }, (req, reply) =>
    pipeline.handle(req, reply, embeddings),
  );
}
