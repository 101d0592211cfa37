import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { OtlpConfig } from '../config/schema.js';
import { emitSpans, type ExportItem, type ProviderFacts } from './spans.js';
import type { TelemetryStatus } from './status.js';

export interface TelemetryOptions {
  config: OtlpConfig;
  /** The export headers, with their secret references resolved; asked for before every export. */
  headers: () => Promise<Record<string, string>>;
  providers: ReadonlyMap<string, ProviderFacts>;
  resource: Attributes;
  /** Most traces per export request. */
  batch?: number;
  /** Longest a trace waits for its batch (ms). */
  delayMs?: number;
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
 * OTLP/HTTP export of traces. The request thread only appends to a bounded queue: spans are
 * built and sent in batches from a timer, one export at a time. Retries are the OTLP
 * exporter's own: only on the answers the OTLP specification calls retryable (429, 502, 503,
 * 504), after the collector's `Retry-After` when it sends one, with backoff and jitter, within
 * `timeout_ms`. The built-in BatchSpanProcessor is not used because it does not say how many
 * spans it dropped, and `gatehouse status` must.
 */
export class TelemetryExporter {
  private queue: ExportItem[] = [];
  private readonly collect = new Collect();
  private readonly provider: TracerProvider;
  private readonly exporter: SpanExporter;
  private readonly batch: number;
  private readonly delayMs: number;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private counts = { exported: 0, dropped: 0, failed: 0 };
  private lastError: string | null = null;

  constructor(private readonly opts: TelemetryOptions) {
    this.batch = opts.batch ?? 256;
    this.delayMs = opts.delayMs ?? 1000;
    // The gateway's own provider, never registered globally: two gateways in one process keep theirs.
    this.provider = new TracerProvider({ resource: resourceFromAttributes(opts.resource), sampler: new AlwaysOnSampler(), spanProcessors: [this.collect] });
    const url = /\/v1\/traces\/?$/.test(opts.config.endpoint) ? opts.config.endpoint : `${opts.config.endpoint.replace(/\/$/, '')}/v1/traces`;
    const common = { url, headers: opts.headers, timeoutMillis: opts.config.timeout_ms };
    this.exporter = opts.config.protocol === 'http/json' ? new JsonExporter(common) : new ProtoExporter(common);
  }

  /** Queues a trace for export; costs the request thread an array push. */
  add(item: ExportItem): void {
    if (this.closed) return;
    if (this.queue.length >= this.opts.config.max_queue) {
      this.counts.dropped++;
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= this.batch) this.schedule(0);
    else this.schedule(this.delayMs);
  }

  status(): TelemetryStatus {
    return { endpoint: this.opts.config.endpoint, protocol: this.opts.config.protocol, queued: this.queue.length, ...this.counts, last_error: this.lastError };
  }

  /** Exports what is queued, waiting at most `deadlineMs` (a collector that is down must not hold a stopping gateway). */
  async flush(deadlineMs = this.opts.config.timeout_ms): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    try {
      await Promise.race([this.drain(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Exports what is queued (within the export timeout) and stops. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.exporter.shutdown().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    while (this.inFlight !== null || this.queue.length > 0) {
      if (this.inFlight !== null) await this.inFlight;
      else this.sendNext();
    }
  }

  private schedule(ms: number): void {
    if (this.timer !== null || this.inFlight !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sendNext();
    }, ms);
    this.timer.unref();
  }

  private sendNext(): void {
    if (this.inFlight !== null || this.queue.length === 0) return;
    const items = this.queue.splice(0, this.batch);
    const tracer = this.provider.getTracer('gatehouse');
    for (const item of items) emitSpans(tracer, item, item.head.provider === null ? null : (this.opts.providers.get(item.head.provider) ?? null));
    const spans = this.collect.spans;
    this.collect.spans = [];
    this.inFlight = new Promise<ExportResult>((resolve) => this.exporter.export(spans, resolve)).then((result) => {
      if (result.code === ExportResultCode.SUCCESS) this.counts.exported += items.length;
      else {
        this.counts.failed += items.length;
        this.lastError = result.error?.message ?? 'the collector refused the export';
      }
      this.inFlight = null;
      if (this.queue.length > 0) this.schedule(this.queue.length >= this.batch ? 0 : this.delayMs);
    });
  }
}
