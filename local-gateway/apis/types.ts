import type { z } from 'zod';
import type { ClientApi } from '../contracts/client-apis.js';
import type { TextSlot } from '../contracts/texts.js';
import type { GatehouseError } from '../core/errors.js';
import type { StreamCodec } from './stream-codecs.js';

export interface UpstreamBody {
  body: Record<string, unknown>;
  /** The same body as JSON text, for providers that send it as is; null when not available. */
  text: string | null;
  /**
   * The body without what the gateway added, to send instead if the provider refuses the
   * addition (400): a server that predates a field must not cost the client its answer.
   */
  plain?: UpstreamBody;
}

export interface Usage {
  input: number | null;
  output: number | null;
  cached: number | null;
  /** Reasoning (thinking) tokens, counted inside `output`; null when the provider does not say. */
  reasoning: number | null;
}

/** Watches a relayed event stream: decides what each event becomes for the client. */
export interface StreamFilter {
  /**
   * The text to send the client for this event, or null to drop it. Throws
   * GH_ERR_UPSTREAM_BAD_RESPONSE for an event whose data is not a JSON object (`checkEventData`).
   */
  event(text: string): string | null;
  /** True once the stream's own end marker was seen: anything less is a cut stream. */
  readonly complete: boolean;
  readonly usage: Usage | null;
  /** An error the provider reported inside the stream. */
  readonly error: string | null;
  /** The event that tells the client the stream failed, in this API's wire format. */
  errorEvent(err: GatehouseError): string;
}

/**
 * One client API as the pipeline sees it: how to read the request, what to send upstream
 * and how to read the answer. The pipeline names no API; it asks its surface.
 */
export interface ApiSurface<B extends Record<string, unknown> = Record<string, unknown>> {
  api: ClientApi;
  /** Where the gateway serves it. */
  route: { method: 'POST'; path: string };
  wantsStream(body: B): boolean;
  /**
   * The body sent upstream: the client's, with the provider's model name and anything the
   * gateway needs added; also as JSON text edited from the client's (`text`), when it can be.
   */
  upstreamBody(req: { body: B; text: string | null; requested: string; model: string; stream: boolean }): UpstreamBody;
  usage(response: unknown): Usage | null;
  /**
   * A complete 200 answer's shape, as far as the gateway reads it (usage, the texts output
   * guardrails see, what translations map): anything else is a bad upstream answer.
   */
  answer: z.ZodType;
  streamFilter(body: B): StreamFilter;
  /** The texts of a request that input guardrails scan, as slots a mutating guardrail writes back into. */
  requestTexts(body: unknown): TextSlot[];
  /** The texts of a complete answer that output guardrails scan. */
  responseTexts(body: unknown): TextSlot[];
  /** How its stream carries answer text, for the stream guard; null when its streams carry none. */
  streamCodec: StreamCodec | null;
  /** A refusal in this API's error shape (OpenAI `{"error":{…}}`, Anthropic `{"type":"error",…}`). */
  errorBody(err: GatehouseError): unknown;
}
