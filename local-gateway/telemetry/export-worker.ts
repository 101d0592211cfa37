import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer, type IExporterMetricsHelper, type ISerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { OtlpConfig } from '../config/schema.js';
import { nameThread } from '../core/thread-priority.js';
import type { TraceHead } from '../store/schema.js';
import { traceEncoder, type EncodedRequest } from './encode.js';
import { providerAttributes, traceSpans, type ProviderFacts, type SpanSource } from './spans.js';

/** What the export thread is started with. */
export interface ExportWorkerData {
  config: Pick<OtlpConfig, 'endpoint' | 'protocol' | 'compression' | 'stages' | 'timeout_ms' | 'max_request_bytes'>;
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
/** How a batch's export ended, retries included: a batch too large for one request goes as several, each of which may fail. */
export interface FromExporter {
  batch: number;
  exported: number;
  failed: number;
  error: string | null;
}

/**
 * The export thread: builds each batch's spans (telemetry/spans.ts), encodes them as export
 * requests of at most `max_request_bytes` (telemetry/encode.ts) and sends those one after
 * another with the OTLP/HTTP export delegate of `@opentelemetry/otlp-exporter-base`, whose
 * retries are its own (only on the answers the OTLP specification calls retryable, after the
 * collector's `Retry-After`, with backoff and jitter, within `timeout_ms`). Batches arrive one
 * at a time (telemetry/exporter.ts waits for each answer).
 */
function run(port: NonNullable<typeof parentPort>, data: ExportWorkerData): void {
  // Not at the importer's background priority: measured under the bench's load, a niced export
  // thread let the default queue (2,048 traces) overflow. Named for `top -H` and the bench.
  nameThread('otlp-export');
  // Drawn 4 KB at a time: a draw per trace would cost more than the trace's ids. A view of a pool is never written to again.
  let random = Buffer.alloc(0);
  const draw = (bytes: number): Buffer => {
    if (random.length < bytes) random = randomBytes(4096);
    const out = random.subarray(0, bytes);
    random = random.subarray(bytes);
    return out;
  };
  const src: SpanSource = { resource: resourceFromAttributes(data.resource), scope: { name: 'gatehouse' }, randomBytes: draw, stageSpans: data.config.stages === 'spans' };
  const providers = new Map(data.providers.map(([id, facts]) => [id, providerAttributes(facts)]));
  const { endpoint, protocol, compression, timeout_ms, max_request_bytes } = data.config;
  const url = /\/v1\/traces\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/$/, '')}/v1/traces`;
  let headers: Record<string, string> = {};
  // Compression as configured, always given: left out, the exporter would take it from OTEL_EXPORTER_OTLP_COMPRESSION.
  const common = { url, headers: () => Promise.resolve(headers), timeoutMillis: timeout_ms, compression: compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE };
  const json = protocol === 'http/json';
  // The requests arrive encoded: the delegate's serializer passes them on and reads the collector's answer as the official one does.
  const serializer: ISerializer<EncodedRequest, unknown> = {
    serializeRequest: (request) => request.bytes,
    deserializeResponse: (bytes) => (json ? JsonTraceSerializer : ProtobufTraceSerializer).deserializeResponse(bytes),
  };
  const counted: IExporterMetricsHelper<EncodedRequest> = { name: 'span', countItems: (request) => request.spans };
  const options = convertLegacyHttpOptions(common, 'TRACES', 'v1/traces', { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' });
  const delegate = createOtlpHttpExportDelegate(options, serializer, 'otlp_http_span_exporter', counted, undefined);
  const send = (request: EncodedRequest) =>
    new Promise<string | null>((resolve) => delegate.export(request, (result: ExportResult) => resolve(result.code === ExportResultCode.SUCCESS ? null : (result.error?.message ?? 'the collector refused the export'))));
  const encoder = traceEncoder(protocol, max_request_bytes);
  port.on('message', (msg: ToExporter) => {
    headers = msg.headers;
    const traces = msg.items.map((item) => {
      const head = JSON.parse(item.head) as TraceHead;
      return traceSpans(src, { head, response: item.response, bodies: item.bodies }, head.provider === null ? null : (providers.get(head.provider) ?? null));
    });
    void (async () => {
      const answer: FromExporter = { batch: msg.batch, exported: 0, failed: 0, error: null };
      for (const request of encoder.encode(traces)) {
        const error = await send(request);
        if (error === null) answer.exported += request.traces;
        else [answer.failed, answer.error] = [answer.failed + request.traces, error];
      }
      port.postMessage(answer);
    })();
  });
}

if (parentPort !== null) run(parentPort, workerData as ExportWorkerData);
