import type { Attributes } from '@opentelemetry/api';
import type { Worker } from 'node:worker_threads';
import type { OtlpConfig } from '../config/schema.js';
import { startWorker } from '../core/worker.js';
import type { ExportWorkerData, FromExporter, QueuedTrace, ToExporter } from './export-worker.js';
import type { ProviderFacts } from './spans.js';
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

/**
 * OTLP/HTTP export of traces. The request thread only appends to a bounded queue; from a
 * timer, batches go to an export thread (telemetry/export-worker.ts) that builds their spans
 * and sends them, one export at a time. Parsing, building and encoding a trace's spans costs
 * about 17 µs measured alone (bench/otlp-encode.ts), the export thread about as much per trace
 * with HTTP and garbage collection (bench/otlp-thread.ts): 5–6% of what the gateway spends on
 * a short request, so it stays off the thread that serves requests. The built-in BatchSpanProcessor is not used because it
 * does not say how many spans it dropped, and `gatehouse status` must.
 */
export class TelemetryExporter {
  private queue: QueuedTrace[] = [];
  private readonly batch: number;
  private readonly delayMs: number;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private counts = { exported: 0, dropped: 0, failed: 0 };
  private lastError: string | null = null;
  private worker: Worker | null = null;
  private nextBatch = 0;
  /** Each batch the export thread has not answered yet: how many traces it holds, and where its answer goes. */
  private readonly answers = new Map<number, { traces: number; resolve: (r: FromExporter) => void }>();

  constructor(private readonly opts: TelemetryOptions) {
    this.batch = opts.batch ?? 256;
    this.delayMs = opts.delayMs ?? 1000;
  }

  /** Queues a trace for export; costs the request thread an array push. */
  add(item: QueuedTrace): void {
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
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
    this.settleAll('the gateway closed before the export ended');
  }

  private async drain(): Promise<void> {
    while (this.inFlight !== null || this.queue.length > 0) {
      if (this.inFlight !== null) await this.inFlight;
      else this.sendNext();
    }
  }

  private schedule(ms: number): void {
    if (this.inFlight !== null) return;
    // A full batch goes now, not when the wait its first trace started ends.
    if (this.timer !== null && ms === 0) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sendNext();
    }, ms);
    this.timer.unref();
  }

  private sendNext(): void {
    if (this.inFlight !== null || this.queue.length === 0) return;
    const items = this.queue.splice(0, this.batch);
    this.inFlight = this.send(items).then((result) => {
      this.counts.exported += result.exported;
      this.counts.failed += result.failed;
      if (result.error !== null) this.lastError = result.error;
      this.inFlight = null;
      if (this.queue.length > 0) this.schedule(this.queue.length >= this.batch ? 0 : this.delayMs);
    });
  }

  private async send(items: QueuedTrace[]): Promise<FromExporter> {
    const batch = this.nextBatch++;
    let headers: Record<string, string>;
    try {
      headers = await this.opts.headers();
    } catch (err) {
      return { batch, exported: 0, failed: items.length, error: `the export headers could not be read: ${(err as Error).message}` };
    }
    return new Promise((resolve) => {
      this.answers.set(batch, { traces: items.length, resolve });
      this.exportThread().postMessage({ batch, items, headers } satisfies ToExporter);
    });
  }

  /** The export thread, started with the first batch. */
  private exportThread(): Worker {
    if (this.worker !== null) return this.worker;
    const { endpoint, protocol, compression, stages, timeout_ms, max_request_bytes } = this.opts.config;
    const data: ExportWorkerData = { config: { endpoint, protocol, compression, stages, timeout_ms, max_request_bytes }, providers: [...this.opts.providers], resource: this.opts.resource };
    const worker = startWorker(import.meta.url, 'export-worker', data);
    worker.on('message', (msg: FromExporter) => {
      const answer = this.answers.get(msg.batch);
      this.answers.delete(msg.batch);
      answer?.resolve(msg);
    });
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = null;
      this.settleAll(why);
    };
    worker.on('error', (err) => lost(`the export thread failed: ${err.message}`));
    worker.on('exit', (code) => lost(`the export thread exited (code ${code})`));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Ends every export still waiting for its answer as failed (the thread is gone). */
  private settleAll(why: string): void {
    for (const [batch, answer] of this.answers) answer.resolve({ batch, exported: 0, failed: answer.traces, error: why });
    this.answers.clear();
  }
}
