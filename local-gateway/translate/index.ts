import type { ClientApi } from '../contracts/client-apis.js';
import type { ProviderAdapter } from '../providers/types.js';
import { chatToMessages, messagesToChat } from './messages-chat/index.js';
import { responsesToChat } from './responses-to-chat/index.js';
import { responsesToMessages } from './responses-to-messages/index.js';
import type { Translation } from './types.js';

export type { SseEvent, StreamTranslator, Translation } from './types.js';

/**
 * Every translation, in order of preference for a given client API: when a provider does
 * not speak the client's API natively, the first translation to an API it does speak is used.
 */
export const TRANSLATIONS: readonly Translation[] = [
  messagesToChat,
  chatToMessages,
  // A Responses client on a provider without Responses: Anthropic's own API first, then chat.
  responsesToMessages,
  responsesToChat,
];

/** How one request reaches one provider: natively, or through a translation. */
export interface UpstreamPlan {
  /** The API the provider is called with. */
  api: ClientApi;
  /** Null when the provider speaks the client's API natively (pass-through). */
  translation: Translation | null;
}

/**
 * Picks pass-through when the provider speaks the client's API, else the first translation
 * to an API it speaks; null when neither exists. Decided from what the provider declares,
 * never from its name.
 */
export function planUpstream(api: ClientApi, provider: ProviderAdapter): UpstreamPlan | null {
  if (provider.apis.has(api)) return { api, translation: null };
  const translation = TRANSLATIONS.find((t) => t.from === api && provider.apis.has(t.to));
  return translation ? { api: translation.to, translation } : null;
}
