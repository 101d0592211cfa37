import { isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as otelTrace, TraceFlags, type Attributes, type Context, type HrTime, type SpanContext, type SpanStatus } from '@opentelemetry/api';
import { millisToHrTime, W3CTraceContextPropagator, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { TraceHead } from '../store/schema.js';

/**
 * One stored trace as OpenTelemetry spans, following the GenAI semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/): a SERVER span for the request with
 * the `gen_ai.*` attributes, a child span per measured pipeline stage, and each tier's
 * verdicts as events. What only Gatehouse knows (tier, caller, metadata, cost) sits under
 * `gatehouse.*`.
 */

/** What a provider id stands for: its kind and where it is served, for `gen_ai.provider.name` and `server.address`. */
export interface ProviderFacts {
  kind: string;
  baseUrl: string | null;
}

/** The trace plus what export adds: the bodies, when both the policy and the telemetry setting allow them. */
export interface ExportItem {
  head: TraceHead;
  /** The answer's JSON text (masked as stored), read for the finish reasons. */
  response: string;
  bodies: { request: string; response: string } | null;
}

/** `gen_ai.provider.name` values of the conventions, by provider kind; a kind not listed goes as it is. */
const PROVIDER_NAMES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  'azure-openai': 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  ollama: 'ollama',
  demo: 'gatehouse.demo',
};

/** A provider's span attributes (`gen_ai.provider.name`, `server.*`), made once per provider rather than per trace. */
export type ProviderAttributes = Readonly<Attributes>;

export function providerAttributes(provider: ProviderFacts): ProviderAttributes {
  const name = PROVIDER_NAMES[provider.kind] ?? provider.kind;
  // `gen_ai.system` is the attribute's name before semantic conventions 1.37; many backends still key on it.
  const attrs: Attributes = { 'gen_ai.provider.name': name, 'gen_ai.system': name };
  if (provider.baseUrl !== null) {
    const url = new URL(provider.baseUrl);
    attrs['server.address'] = url.hostname;
    attrs['server.port'] = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  }
  return attrs;
}

/** Longest body attribute; collectors refuse or cut larger values anyway. */
export const BODY_ATTRIBUTE_LIMIT = 128 * 1024;

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key.toLowerCase()],
};

/** The client's W3C trace context (`traceparent`, `tracestate`), so the gateway's span joins the agent's trace. */
export function parentContext(headers: Record<string, string>): Context {
  return propagator.extract(ROOT_CONTEXT, headers, headerGetter);
}

function operationOf(api: string): string {
  if (api === 'embeddings') return 'embeddings';
  if (api === 'messages.count_tokens') return 'count_tokens';
  return 'chat';
}

/**
 * Finish reasons as the answer states them: `finish_reason` (chat completions, in every
 * streamed chunk that ends a choice) and `stop_reason` (Anthropic). Read from the text, so a
 * streamed answer (stored as its event-stream text) needs no parsing.
 */
export function finishReasons(responseJson: string): string[] {
  const found = new Set<string>();
  for (const m of responseJson.matchAll(/\\?"(?:finish_reason|stop_reason)\\?"\s*:\s*\\?"([a-z_]{1,40})\\?"/g)) found.add(m[1]!);
  return [...found];
}

/**
 * The request span's attributes, those that repeat from trace to trace first (operation, route,
 * tier, caller, provider, models, outcome), then those of this trace alone (ids, usage, cost,
 * metadata, bodies); `stable` names the first group and its values, so the encoder can reuse
 * their encoding (telemetry/encode.ts). OTLP attributes are a map: their order means nothing.
 */
function requestAttributes(item: ExportItem, provider: ProviderAttributes | null): { attrs: Attributes; stable: StableAttributes } {
  const h = item.head;
  const attrs: Attributes = {
    'gen_ai.operation.name': operationOf(h.api),
    'http.request.method': h.method,
    'url.path': h.path,
    'http.response.status_code': h.status,
    'gatehouse.api': h.api,
    'gatehouse.tier': h.tier,
    'gatehouse.stream': h.stream,
    'gatehouse.caller.user': h.caller.user,
  };
  let count = 8;
  const set = (name: string, value: string | number | string[] | null | undefined) => {
    if (value === null || value === undefined) return;
    attrs[name] = value;
    count++;
  };
  if (provider !== null) for (const name in provider) set(name, provider[name] as string | number);
  set('gatehouse.provider', h.provider);
  set('gen_ai.request.model', h.requested_model);
  // The provider's own name for the model, as the provider was asked for it.
  set('gen_ai.response.model', h.resolved_model?.slice(h.resolved_model.indexOf('/') + 1));
  set('gatehouse.policy_version', h.policy_version);
  set('gatehouse.caller.team', h.caller.team);
  set('gatehouse.caller.agent', h.caller.agent);
  set('gatehouse.resolved_model', h.resolved_model);
  set('error.type', h.error_code);
  const reasons = finishReasons(item.response);
  if (reasons.length > 0) set('gen_ai.response.finish_reasons', reasons);
  // What the attributes above are made of (the provider's attributes are its id's, one set per export thread).
  const key = JSON.stringify([h.api, h.method, h.path, h.status, h.tier, h.stream, h.caller.user, h.provider, h.requested_model, h.resolved_model, h.policy_version, h.caller.team, h.caller.agent, h.error_code, reasons]);
  const stable: StableAttributes = { key, count };
  set('gatehouse.trace_id', h.id);
  set('gen_ai.usage.input_tokens', h.tokens_in);
  set('gen_ai.usage.output_tokens', h.tokens_out);
  set('gen_ai.usage.cache_read.input_tokens', h.tokens_cached);
  set('gatehouse.usage.reasoning_tokens', h.tokens_reasoning);
  set('gatehouse.cost_usd', h.cost_usd);
  for (const [name, value] of Object.entries(h.metadata)) attrs[`gatehouse.metadata.${name}`] = value;
  if (item.bodies !== null) {
    attrs['gatehouse.request.body'] = clip(item.bodies.request);
    attrs['gatehouse.response.body'] = clip(item.bodies.response);
  }
  return { attrs, stable };
}

/** The first `count` attributes of a span, the same in every span of one export thread whose `key` is the same. */
export interface StableAttributes {
  key: string;
  count: number;
}

function clip(text: string): string {
  return text.length <= BODY_ATTRIBUTE_LIMIT ? text : `${text.slice(0, BODY_ATTRIBUTE_LIMIT)}…[cut: ${text.length} characters]`;
}

/** Most attributes per span and events per span, as the OpenTelemetry SDK's default span limits. */
const LIMIT = 128;

/** What every span of one export shares. */
export interface SpanSource {
  resource: Resource;
  scope: InstrumentationScope;
  /** Random bytes for span and trace ids, `bytes` at a time; the span keeps the view it is given. */
  randomBytes(bytes: number): Buffer;
  /** `telemetry.otlp.stages`: a child span per stage (true), or their durations as attributes of the request span. */
  stageSpans: boolean;
}

const hr = (ms: number): HrTime => millisToHrTime(ms);
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NONE: never[] = Object.freeze([]) as never[];

/**
 * A stage's span name and attributes, and the name of its duration attribute on the request
 * span (`stages: attributes`), the same for every trace: made once, shared by all its spans
 * (the exporters only read them), and the stage spans' shape for the encoder.
 */
const stages = new Map<string, { name: string; attributes: Attributes; durationKey: string }>();
function stageFacts(stage: string): { name: string; attributes: Attributes; durationKey: string } {
  let facts = stages.get(stage);
  if (facts === undefined) {
    facts = { name: `gatehouse.${stage}`, attributes: Object.freeze({ 'gatehouse.stage': stage }), durationKey: `gatehouse.stage.${stage}.ms` };
    stages.set(stage, facts);
  }
  return facts;
}

/**
 * A trace's ids as bytes, where the encoder copies a stage span's from (telemetry/encode.ts):
 * the trace id, and the trace's draw of span ids, 8 bytes each, the request span's at `root`.
 */
export interface TraceIds {
  readonly traceId: string;
  readonly trace: Uint8Array;
  readonly draw: Uint8Array;
  readonly root: number;
}

/**
 * A finished span as the OpenTelemetry exporters read it, as a plain value: the SDK's span
 * objects (through a Tracer) cost as much again as encoding them. One class, so every span
 * has the same shape, `spanContext` is a prototype method rather than a closure per span,
 * and `duration` (which the exporters do not read) is worked out only if asked for. A stage
 * span's context is made from its ids' bytes only if asked for: the encoder copies the
 * bytes (`ids`, its own span id at `idAt` of their draw) into a template and never reads it.
 */
class PlainSpan implements ReadableSpan {
  readonly ended = true;
  readonly links = NONE;
  readonly droppedLinksCount = 0;
  readonly attributes: Attributes;
  readonly events: TimedEvent[];
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  constructor(
    src: SpanSource,
    readonly name: string,
    readonly kind: SpanKind,
    private context: SpanContext | undefined,
    readonly parentSpanContext: SpanContext | undefined,
    readonly startTime: HrTime,
    readonly endTime: HrTime,
    attributes: Attributes,
    events: TimedEvent[],
    readonly status: SpanStatus,
    /** Shared by the spans whose encoding differs only in ids and times (telemetry/encode.ts). */
    readonly shape: object | undefined,
    /** Its first attributes, whose encoding repeats (telemetry/encode.ts). */
    readonly stable: StableAttributes | undefined,
    readonly ids: TraceIds | undefined,
    readonly idAt: number,
  ) {
    this.resource = src.resource;
    this.instrumentationScope = src.scope;
    const attributeCount = countKeys(attributes);
    this.attributes = attributeCount <= LIMIT ? attributes : Object.fromEntries(Object.entries(attributes).slice(0, LIMIT));
    this.droppedAttributesCount = Math.max(0, attributeCount - LIMIT);
    this.events = events.length <= LIMIT ? events : events.slice(0, LIMIT);
    this.droppedEventsCount = Math.max(0, events.length - LIMIT);
  }
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  spanContext(): SpanContext {
    this.context ??= { traceId: this.ids!.traceId, spanId: hex(this.ids!.draw, this.idAt), traceFlags: this.parentSpanContext!.traceFlags };
    return this.context;
  }
  get duration(): HrTime {
    const ns = (this.endTime[0] - this.startTime[0]) * 1e9 + (this.endTime[1] - this.startTime[1]);
    return [Math.trunc(ns / 1e9), ns % 1e9];
  }
}

/** How many attributes: counted, not listed (`Object.keys` would make an array per span). */
function countKeys(attributes: Attributes): number {
  let n = 0;
  for (const key in attributes) if (key !== '') n++;
  return n;
}

/** The 8-byte span id at `at` of `bytes`, as hex. */
const hex = (bytes: Uint8Array, at: number) => Buffer.from(bytes.buffer, bytes.byteOffset + at, 8).toString('hex');

/**
 * The trace's spans, as the OpenTelemetry exporters read them (`ReadableSpan`). The request
 * span continues the client's W3C trace context when it sent one; the stages ran one after
 * another, so each stage span starts where the one before ended (the same time value), and
 * lasts the measured phase (what `Server-Timing` reported). The trace's random ids come from
 * one draw, kept as bytes for the encoder.
 */
export function traceSpans(src: SpanSource, item: ExportItem, provider: ProviderAttributes | null): ReadableSpan[] {
  const h = item.head;
  const parent = h.request_headers.traceparent === undefined ? undefined : otelTrace.getSpanContext(parentContext(h.request_headers));
  const valid = parent !== undefined && isSpanContextValid(parent);
  // The trace's random ids, one draw: the trace id (unless the client's is continued), then a span id per span.
  const draw = src.randomBytes((valid ? 0 : 16) + 8 * ((src.stageSpans ? countKeys(h.phases) : 0) + 1));
  const first = valid ? 0 : 16;
  const trace = valid ? Buffer.from(parent.traceId, 'hex') : draw.subarray(0, 16);
  const ids: TraceIds = { traceId: valid ? parent.traceId : draw.toString('hex', 0, 16), trace, draw, root: first };
  const root: SpanContext = {
    traceId: ids.traceId,
    spanId: hex(draw, first),
    traceFlags: TraceFlags.SAMPLED,
    ...(valid && parent.traceState !== undefined ? { traceState: parent.traceState } : {}),
  };
  const spans: ReadableSpan[] = [];
  const start = hr(h.started_at);
  let ms = h.started_at;
  let from = start;
  // When each stage ended, for the verdicts' events (most traces have none).
  const stageEnd = h.verdicts.length === 0 ? null : new Map<string, HrTime>();
  const { attrs: attributes, stable } = requestAttributes(item, provider);
  let idAt = first;
  for (const stage in h.phases) {
    const took = h.phases[stage]!;
    ms += took;
    const to = hr(ms);
    const facts = stageFacts(stage);
    if (src.stageSpans) {
      const kind = stage === 'provider_call' ? SpanKind.CLIENT : SpanKind.INTERNAL;
      idAt += 8;
      // A client's trace state goes in every span's context, so those spans are made whole and have no shape of their own.
      const context = root.traceState === undefined ? undefined : { traceId: root.traceId, spanId: hex(draw, idAt), traceFlags: root.traceFlags, traceState: root.traceState };
      spans.push(new PlainSpan(src, facts.name, kind, context, root, from, to, facts.attributes, NONE, UNSET, context === undefined ? facts : undefined, undefined, ids, idAt));
    } else attributes[facts.durationKey] = Math.round(took * 1000) / 1000;
    from = to;
    stageEnd?.set(stage, to);
  }
  const end = h.ended_at >= ms ? hr(h.ended_at) : from;
  const events: TimedEvent[] = h.verdicts.map((v) => ({
    name: 'gatehouse.verdict',
    time: stageEnd!.get(v.stage) ?? hr(h.ended_at),
    attributes: {
      'gatehouse.verdict.tier': v.tier,
      'gatehouse.verdict.enforced': v.enforced,
      'gatehouse.verdict.stage': v.stage,
      'gatehouse.verdict.rule': v.rule,
      'gatehouse.verdict.decision': v.decision,
      'gatehouse.verdict.mode': v.mode,
      'gatehouse.verdict.reason': v.reason,
    },
    droppedAttributesCount: 0,
  }));
  const name = h.requested_model === null ? operationOf(h.api) : `${operationOf(h.api)} ${h.requested_model}`;
  const status: SpanStatus = h.status >= 400 ? { code: SpanStatusCode.ERROR, message: h.error_message ?? h.error_code ?? `status ${h.status}` } : UNSET;
  spans.push(new PlainSpan(src, name, SpanKind.SERVER, root, valid ? parent : undefined, start, end, attributes, events, status, undefined, stable, ids, first));
  return spans;
}
