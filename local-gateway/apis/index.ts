import { openAIErrorBody, type GatehouseError } from '../core/errors.js';
import type { ClientApi } from '../providers/types.js';
import { countTokens, messages } from './anthropic.js';
import { chatCompletions, embeddings } from './openai.js';
import { responses } from './responses.js';
import type { ApiSurface } from './types.js';

/** Every client API surface the gateway serves, by API. Adding one touches its file and this map. */
export const SURFACES: Partial<Record<ClientApi, Pick<ApiSurface, 'api' | 'errorBody'>>> = {
  'chat.completions': chatCompletions,
  embeddings,
  messages,
  'messages.count_tokens': countTokens,
  responses,
};

/** A refusal in the shape the caller's API uses; OpenAI's for routes that are not a client API. */
export function errorBodyFor(api: string | undefined, err: GatehouseError): unknown {
  const surface = api === undefined ? undefined : SURFACES[api as ClientApi];
  return surface ? surface.errorBody(err) : openAIErrorBody(err);
}
