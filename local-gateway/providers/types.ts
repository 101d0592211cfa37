import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { ClientApi } from '../contracts/client-apis.js';
import type { CommonProviderConfig, Timeouts } from './config.js';

/** One request on its way to a provider, already routed. */
export interface UpstreamRequest {
  api: ClientApi;
  /** The provider's own model name (the `<provider>/` prefix removed). */
  model: string;
  /** The client's body with `model` rewritten; every other field as the client sent it. */
  body: Record<string, unknown>;
  /** The same body as JSON text, edited from what the client sent; null when only `body` is. */
  bodyText: string | null;
  stream: boolean;
  /**
   * The client's request headers, for adapters that forward protocol headers the client
   * chose (e.g. `anthropic-version`, `anthropic-beta`). Adapters copy named headers only:
   * credentials in here are the local token's, never the provider's.
   */
  clientHeaders: IncomingHttpHeaders;
  /** The caller's metadata, parsed; sent upstream only by a provider configured with `forward_metadata`. */
  metadata?: Readonly<Record<string, string>>;
  /** Aborts the upstream call, e.g. when the client goes away. */
  signal: AbortSignal;
}

/** The provider's answer: status and headers now, the body as it arrives. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
  /** The whole body as text (instead of iterating `body`), for answers that are read complete. */
  text(): Promise<string>;
  /** Called when the body will not be read to the end. */
  dispose(): void;
  /** Whether part of the body has arrived and waits to be read (it came with the headers); absent: unknown. */
  buffered?(): boolean;
}

export interface ModelInfo {
  id: string;
  owned_by: string;
}

/** What every provider folder exports: one adapter per configured provider. */
export interface ProviderAdapter {
  readonly id: string;
  readonly kind: string;
  /** APIs spoken natively; the router picks pass-through or refuses from this, never from a name. */
  readonly apis: ReadonlySet<ClientApi>;
  /** Models it is known to serve, for names without a provider prefix. */
  readonly models: readonly string[];
  call(req: UpstreamRequest): Promise<UpstreamResponse>;
  listModels(signal: AbortSignal): Promise<ModelInfo[]>;
  /**
   * The config fields that hold its credentials, named when the provider rejects them
   * (e.g. Bedrock's `access_key_id` and `secret_access_key`); absent means `api_key`.
   */
  readonly credentialFields?: readonly string[];
  /** Credential values this adapter holds, so redaction can mask them anywhere. */
  secrets(): string[];
  close(): Promise<void>;
}

export interface ProviderFactoryContext {
  timeouts: Timeouts;
  env: NodeJS.ProcessEnv;
}

/** The upstream header that carries the caller's metadata, for a provider with `forward_metadata: true`; empty otherwise. */
export function metadataHeader(forward: boolean, req: Pick<UpstreamRequest, 'metadata'>): Record<string, string> {
  const metadata = req.metadata ?? {};
  return forward && Object.keys(metadata).length > 0 ? { 'x-gatehouse-metadata': JSON.stringify(metadata) } : {};
}

/** A kind's config schema: the common fields and its `kind` (see `providerConfigSchema`), whatever else it adds. */
export type ProviderConfigSchema = z.ZodType<CommonProviderConfig & { kind: string }>;

/**
 * What each provider folder exports (`providers/<kind>/index.ts`): its kind, its config schema
 * and its factory. `providers/registry.ts` lists them; the config's provider union and the
 * factory lookup are both built from that list, so adding a kind touches its folder and the list.
 */
export interface ProviderDefinition<S extends ProviderConfigSchema = ProviderConfigSchema> {
  readonly kind: z.output<S>['kind'];
  readonly configSchema: S;
  /** Builds one adapter from a config entry of this kind. */
  create(config: z.output<S>, ctx: ProviderFactoryContext): ProviderAdapter;
}

/** A provider folder's definition, typed from its schema. */
export function defineProvider<S extends ProviderConfigSchema>(definition: ProviderDefinition<S>): ProviderDefinition<S> {
  return definition;
}
