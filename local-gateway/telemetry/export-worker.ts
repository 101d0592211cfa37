import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { OtlpConfig } from '../config/schema.js';
import type { TraceHead } from '../store/schema.js';
import { providerAttributes, traceSpans, type ProviderFacts, type SpanSource } from './spans.js';

/** What the export thread is started with. */
export interface ExportWorkerData {
  config: Pick<OtlpConfig, 'endpoint' | 'protocol' | 'compression' | 'stages' | 'timeout_ms'>;
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

/**
 * The export thread: builds each batch's spans (telemetry/spans.ts) and sends them with the OTLP exporter, whose
 * retries are its own (only on the answers the OTLP specification calls retryable, after the
 * collector's `Retry-After`, with backoff and jitter, within `timeout_ms`). Batches arrive one
 * at a time (telemetry/exporter.ts waits for each answer).
 */
function run(port: NonNullable<typeof parentPort>, data: ExportWorkerData): void {
  let random = Buffer.alloc(0);
  const randomHex = (bytes: number): string => {
    if (random.length < bytes) random = randomBytes(4096);
    const hex = random.subarray(0, bytes).toString('hex');
    random = random.subarray(bytes);
    return hex;
  };
  const src: SpanSource = { resource: resourceFromAttributes(data.resource), scope: { name: 'gatehouse' }, randomHex, stageSpans: data.config.stages === 'spans' };
  const providers = new Map(data.providers.map(([id, facts]) => [id, providerAttributes(facts)]));
  const { endpoint, protocol, compression, timeout_ms } = data.config;
  const url = /\/v1\/traces\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/$/, '')}/v1/traces`;
  let headers: Record<string, string> = {};
    // Compression as configured, always given: left out, the exporter would take it from OTEL_EXPORTER_OTLP_COMPRESSION.
  const common = { url, headers: () => Promise.resolve(headers), timeoutMillis: timeout_ms, compression: compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE };
  const exporter: SpanExporter = protocol === 'http/json' ? new JsonExporter(common) : new ProtoExporter(common);
  port.on('message', (msg: ToExporter) => {
    headers = msg.headers;
    const spans = msg.items.flatMap((item) => {
      const head = JSON.parse(item.head) as TraceHead;
      return traceSpans(src, { head, response: item.response, bodies: item.bodies }, head.provider === null ? null : (providers.get(head.provider) ?? null));
    });
    exporter.export(spans, (result: ExportResult) => {
      const ok = result.code === ExportResultCode.SUCCESS;
      port.postMessage({ batch: msg.batch, ok, error: ok ? null : (result.error?.message ?? 'the collector refused the export') } satisfies FromExporter);
    });
  });
}

if (parentPort !== null) run(parentPort, workerData as ExportWorkerData);
