import type { IncomingHttpHeaders } from 'node:http';
import { openAIErrorBody, type GatehouseError } from '../core/errors.js';
import type { ClientApi } from '../contracts/client-apis.js';
import { anthropicErrorBody, countTokens, messages } from './anthropic.js';
import { chatCompletions, embeddings } from './openai.js';
import { responses } from './responses.js';
import type { StreamCodec } from './stream-codecs.js';
import type { ApiSurface } from './types.js';

/** Every client API surface the gateway serves, by API. Adding one touches its file and this map. */
export const SURFACES: Partial<Record<ClientApi, Pick<ApiSurface, 'api' | 'route' | 'errorBody' | 'answer' | 'streamCodec'>>> = {
  'chat.completions': chatCompletions,
  responses,
  messages,
  'messages.count_tokens': countTokens,
  embeddings,
};

/** `GET /v1/models`: every client lists models the same way, so it has no surface of its own. */
export const MODELS_ROUTE = { method: 'GET', path: '/v1/models' } as const;

/** Every client API route, for the not-found message: a client on the wrong path learns where to go. */
export const CLIENT_ROUTES: readonly string[] = [...Object.values(SURFACES), { route: MODELS_ROUTE }].map((s) => `${s.route.method} ${s.route.path}`);

/** The codec of an API's stream; none for APIs that do not stream answer text. */
export function streamCodec(api: ClientApi): StreamCodec | null {
  return SURFACES[api]?.streamCodec ?? null;
}

/**
 * A refusal in the shape the caller's API uses. Routes every client calls (`GET /v1/models`)
 * and unknown paths have no API of their own: Anthropic clients (Claude Code) say who they
 * are with `anthropic-version` and get Anthropic's shape; everyone else OpenAI's.
 */
export function errorBodyFor(api: string | undefined, err: GatehouseError, headers: IncomingHttpHeaders = {}): unknown {
  const surface = api === undefined ? undefined : SURFACES[api as ClientApi];
  if (surface) return surface.errorBody(err);
  return headers['anthropic-version'] !== undefined ? anthropicErrorBody(err) : openAIErrorBody(err);
}
