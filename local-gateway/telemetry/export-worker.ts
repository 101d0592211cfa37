import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { parentPort, workerData } from 'node:worker_threads';
import type { OtlpConfig } from '../config/schema.js';
import type { TraceHead } from '../store/schema.js';
import { emitSpans, type ProviderFacts } from './spans.js';

/** What the export thread is started with. */
export interface ExportWorkerData {
  config: Pick<OtlpConfig, 'endpoint' | 'protocol' | 'timeout_ms'>;
  providers: [string, ProviderFacts][];
  resource: Attributes;
}

/** A trace as queued for export: its head as the JSON text the request thread already made. */
export interface QueuedTrace {
  head: string;
  /** The answer's JSON text (masked as stored), read for the finish reasons. */
  response: string;
  bodies: { request: string; response: string } | null;
}

/** A batch to export, with the export headers as resolved for it (secrets stay with the gateway's thread). */
export interface ToExporter {
  batch: number;
  items: QueuedTrace[];
  headers: Record<string, string>;
}
/** How a batch's export ended, retries included. */
export interface FromExporter {
  batch: number;
  ok: boolean;
  error: string | null;
}

/** Hands ended spans to whoever is converting a batch; the conversion is synchronous, so nothing interleaves. */
class Collect implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The export thread: builds each batch's spans and sends them with the OTLP exporter, whose
 * retries are its own (only on the answers the OTLP specification calls retryable, after the
 * collector's `Retry-After`, with backoff and jitter, within `timeout_ms`). Batches arrive one
 * at a time (telemetry/exporter.ts waits for each answer).
 */
function run(port: NonNullable<typeof parentPort>, data: ExportWorkerData): void {
  const collect = new Collect();
  // The gateway's own provider, never registered globally: two gateways in one process keep theirs.
  const provider = new TracerProvider({ resource: resourceFromAttributes(data.resource), sampler: new AlwaysOnSampler(), spanProcessors: [collect] });
  const tracer = provider.getTracer('gatehouse');
  const providers = new Map(data.providers);
  const { endpoint, protocol, timeout_ms } = data.config;
  const url = /\/v1\/traces\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/$/, '')}/v1/traces`;
  let headers: Record<string, string> = {};
  const common = { url, headers: () => Promise.resolve(headers), timeoutMillis: timeout_ms };
  const exporter: SpanExporter = protocol === 'http/json' ? new JsonExporter(common) : new ProtoExporter(common);
  port.on('message', (msg: ToExporter) => {
    headers = msg.headers;
    for (const item of msg.items) {
      const head = JSON.parse(item.head) as TraceHead;
      emitSpans(tracer, { head, response: item.response, bodies: item.bodies }, head.provider === null ? null : (providers.get(head.provider) ?? null));
    }
    const spans = collect.spans;
    collect.spans = [];
    exporter.export(spans, (result: ExportResult) => {
      const ok = result.code === ExportResultCode.SUCCESS;
      port.postMessage({ batch: msg.batch, ok, error: ok ? null : (result.error?.message ?? 'the collector refused the export') } satisfies FromExporter);
    });
  });
}

if (parentPort !== null) run(parentPort, workerData as ExportWorkerData);
