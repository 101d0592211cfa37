import type { ClientApi } from '../contracts/client-apis.js';

/** One server-sent event as the upstream sent it: its `event:` name (null when absent) and joined `data:`. */
export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * Turns one upstream stream into the client's, event by event. Stateful (one per request):
 * block indexes, tool-call ids and usage seen so far live here. Returns the client's events
 * as complete SSE text (each ending in a blank line), so they can be written as they come.
 */
export interface StreamTranslator {
  /** The client events this upstream event becomes (often none, sometimes several). */
  event(ev: SseEvent): string[];
  /**
   * Called once when the upstream stream ended. A stream that ended without its own end
   * marker returns nothing here: the pipeline then reports the cut in the client's format.
   */
  end(): string[];
}

/**
 * A translation from the API the client speaks (`from`) to one a provider speaks (`to`):
 * pure functions over parsed JSON, proven by recorded-transcript fixtures.
 */
export interface Translation {
  from: ClientApi;
  to: ClientApi;
  /** The upstream request: the client's body in the provider's API, with the provider's model name. */
  request(body: Record<string, unknown>, model: string, stream: boolean): Record<string, unknown>;
  /** The client's answer from the provider's complete (non-streamed) answer. */
  response(upstream: unknown, requestedModel: string): unknown;
  /** A fresh translator for one streamed answer. */
  stream(requestedModel: string): StreamTranslator;
}
